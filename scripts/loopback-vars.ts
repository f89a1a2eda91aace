/**
 * Tests and benches log hundreds of clients in from 127.0.0.1: lift the per-address login
 * rate there (tests of that limit set their own values, which win). A module of its own so
 * the bench runner can read it without loading Miniflare.
 */
export const LOOPBACK_LOAD_VARS: Readonly<Record<string, string>> = {
  GUEST_LOGIN_BURST: "1000000",
  ACCOUNT_LOGIN_BURST: "1000000",
};

/**
 * The benches' honest load chats far faster than a person (seed: ~8 lines/s per client, all
 * from 127.0.0.1): lift the chat budgets there too, so a bench measures the server, not the
 * limits. The abuse scenario sets its own.
 */
export const BENCH_CHAT_VARS: Readonly<Record<string, string>> = {
  CHAT_LINES_PER_MINUTE: "1000000",
  CHAT_BURST: "10000",
  CHAT_ADDRESS_LINES_PER_MINUTE: "1000000",
  CHAT_ADDRESS_BURST: "100000",
  CHAT_ALL_ROOMS_LINES_PER_MINUTE: "1000000",
  CHAT_ALL_ROOMS_BURST: "100000",
  CHAT_ALL_ROOMS_LEASE: "1000",
  WHISPER_TARGET_PER_MINUTE: "1000000",
  WHISPER_TARGET_BURST: "100000",
};
