// The URL a provider calls, for the schemes that sign it (Twilio, Square) and for what operators are shown.

/** The ingest path of a source. */
export const ingestPath = (tenantSlug: string, sourceSlug: string): string =>
  `/api/tenants/${tenantSlug}/eventhook/in/${sourceSlug}`

/**
 * The URL the provider called, as it knows it: EVENTHOOK_PUBLIC_URL followed by the request target (path and
 * query) — as received live, or `ingestPath` for a stored event or a sample. Unknown (null) without a public URL:
 * live ingest, re-verification and the source tester then judge a URL-signing scheme alike (`invalid_config`).
 */
export const publicIngestUrl = (publicUrl: string | null, target: string): string | null =>
  publicUrl === null ? null : `${publicUrl}${target}`
