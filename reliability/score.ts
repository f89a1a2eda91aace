/** Score reports the reliability runs send (fuzz seeds, honest hosts, chaos games). */
import { MessageType } from "../protocol/message-types.ts";
import type { GameScoreMessage } from "../protocol/messages.ts";

/**
 * A two-player game_score (112): `placed` in order of places (first = winner), reported by
 * `reporterId` (the host, whose id is the game's, unless said otherwise).
 */
export function twoPlayerScore(
  hostId: number,
  placed: readonly [number, number],
  seconds: number,
  reporterId = hostId,
): GameScoreMessage {
  return {
    type: MessageType.GameScore,
    gameId: hostId,
    gameEndedCode: 0,
    gameScoring: 0,
    gameVersion: 0,
    timeLimit: 600,
    actualTimeElapsed: seconds,
    reportingPlayerId: reporterId,
    numberOfPlayers: 2,
    numberOfTeams: 2,
    teams: placed.map((_, t) => ({
      place: t,
      captainPlayerIndex: t,
      valid: true,
      eliminated: t > 0,
      timeOfElimination: t > 0 ? seconds - 10 : 0,
    })),
    players: placed.map((playerId, t) => ({
      teamIndex: t,
      finishedGame: true,
      timePlayed: seconds,
      unitsKilled: 10 - t,
      unitsLost: 3 + t,
      pointsKilled: 1000,
      pointsLost: 500,
      playerId,
    })),
  };
}
