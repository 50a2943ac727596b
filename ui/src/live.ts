import { serverSentEventReader } from "../../src/cli/serverSentEvents.ts"

// Live mode: the same Server-Sent Events stream `eventhook listen` reads (GET …/events/stream). EventSource cannot
// send an Authorization header, so the stream is read with fetch, the token as a bearer header as everywhere else.

export interface LiveEvent {
  readonly id: string
  readonly source: string
  readonly event_type: string | null
  readonly status: string
  readonly is_duplicate: boolean
  readonly verified: boolean
  readonly received_at: string
  readonly content_type: string | null
}

/** Streams the tenant's new events to `onEvent` until the returned function is called. */
export const followEvents = (
  token: string,
  tenant: string,
  filter: { readonly source?: string | undefined },
  onEvent: (event: LiveEvent) => void,
  onState: (state: "open" | "closed" | "failed") => void
): (() => void) => {
  const controller = new AbortController()
  const query = new URLSearchParams(filter.source ? { source: filter.source } : {})
  const run = async () => {
    const response = await fetch(`/api/tenants/${encodeURIComponent(tenant)}/eventhook/events/stream?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: controller.signal
    })
    if (!response.ok || response.body === null) return onState("failed")
    onState("open")
    const read = serverSentEventReader()
    const decoder = new TextDecoder()
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const message of read(decoder.decode(value, { stream: true })))
        if (message.event === "event") onEvent(JSON.parse(message.data) as LiveEvent)
    }
    onState("closed")
  }
  run().catch(() => {
    if (!controller.signal.aborted) onState("failed")
  })
  return () => controller.abort()
}
