/**
 * Tests and benches log hundreds of clients in from 127.0.0.1: lift the per-address login
 * rate there (tests of that limit set their own values, which win). A module of its own so
 * the bench runner can read it without loading Miniflare.
 */
export const LOOPBACK_LOAD_VARS: Readonly<Record<string, string>> = {
  GUEST_LOGIN_BURST: "1000000",
  ACCOUNT_LOGIN_BURST: "1000000",
};
