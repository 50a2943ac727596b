/**
 * Limits for the HTTP server a main starts (issue 5): a slow client cannot hold a connection forever, nor send
 * unbounded headers. Header timeout 10 s and whole request 30 s (Shopify waits 5 s, Slack 3 s for an answer, so
 * a legitimate sender is far inside them); at most 100 headers in 16 KiB.
 */
export const serverLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  maxHeadersCount: 100,
  /** How often Node checks the two timeouts above. */
  checkIntervalMs: 1_000
} as const
