/** WebSocket close codes on the tunnel, so each side can tell why a session ended. */
export const TunnelClose = {
  /** The client closed TCP (bridge), or the edge ended the session as the protocol says (edge). */
  normal: 1000,
  /** The bridge is shutting down. */
  bridgeShutdown: 1001,
  /** The client broke the framing or the cipher (bad magic, oversize, bad checksum, late 203). */
  protocolError: 1002,
  /** The client does not read: its outbound queue passed the limit. */
  slowClient: 1008,
  /** The edge hit an unexpected condition. */
  internalError: 1011,
  /** The client was idle too long. */
  idle: 4000,
  /** The client did not answer keepalives. */
  keepaliveTimeout: 4001,
} as const;

export type TunnelCloseCode = (typeof TunnelClose)[keyof typeof TunnelClose];

/** Close reasons are limited to 123 UTF-8 bytes: keep them short and ASCII. */
export function closeReason(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, "?").slice(0, 120);
}
