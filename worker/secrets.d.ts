// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
declare namespace Cloudflare {
  interface Env {
    /** Bearer token for /admin routes. */
    ADMIN_TOKEN: string;
    /** Shared secret the bridge presents on every tunnel. */
    BRIDGE_TOKEN: string;
    /** Optional bearer token for GET /metrics (a scraper's token); unset: ADMIN_TOKEN. */
    METRICS_TOKEN?: string;
  }
}
