import { Console, Duration, Effect, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { StreamedEventView } from "../admin/views.ts"
import { HOP_HEADERS } from "../domain/TargetConfig.ts"
import { serverSentEventReader } from "./serverSentEvents.ts"

// `eventhook listen` (issue 17): a tap for local development. It follows a running Eventhook's event stream and
// POSTs every event to a local URL with its exact bytes and original headers, so the local app verifies the
// provider's signature as in production. It never changes an event: listening is not a route.

export interface ListenOptions {
  /** The running Eventhook, e.g. https://eventhook.example. */
  readonly url: string
  readonly token: string
  readonly tenant: string
  readonly source: string
  readonly forward: string
  readonly replay: number
  readonly eventTypes: ReadonlyArray<string>
}

/** Headers that describe the hop, not the event: the local request gets its own. */
const HOP = new Set([...HOP_HEADERS, "expect", "accept-encoding"])
const REDACTED = "[redacted]"

/** A server answer that retrying will not change (a wrong token, a source that does not exist). */
export class ListenRefused extends Error {
  readonly _tag = "ListenRefused"
}

/** What is sent to the local app: the original headers (credentials were never stored) and the exact bytes. */
export const localRequestOf = (forward: string, event: StreamedEventView) => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(event.headers))
    if (!HOP.has(name) && value !== REDACTED) headers[name] = value
  const body = Buffer.from(event.body_base64, "base64")
  return HttpClientRequest.post(forward).pipe(
    HttpClientRequest.setHeaders(headers),
    HttpClientRequest.bodyUint8Array(body, event.content_type ?? headers["content-type"] ?? "application/octet-stream")
  )
}

/** Answers that retrying will not change: a bad request, a wrong token, a missing tenant or source. */
const FINAL_STATUSES = [400, 401, 403, 404]
const INITIAL_DELAY = Duration.millis(500)
const MAX_DELAY = Duration.seconds(10)

const time = (iso: string) => iso.slice(11, 23)

export const listen = (options: ListenOptions) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const seen = new Set<string>()
    const remember = (id: string) => {
      seen.add(id)
      // Bounded: a resumed stream repeats at most a few seconds of events.
      if (seen.size > 50_000) for (const old of [...seen].slice(0, 10_000)) seen.delete(old)
    }
    let lastEventId: string | undefined
    let connected = false
    let delay = INITIAL_DELAY

    const forward = (event: StreamedEventView) =>
      Effect.gen(function* () {
        const started = performance.now()
        const line = `${time(event.received_at)}  ${event.event_type ?? "(no type)"}  ${event.id}`
        const answer = yield* client.execute(localRequestOf(options.forward, event)).pipe(
          Effect.map((response) => `→ ${response.status}`),
          Effect.timeoutOrElse({ duration: "30 seconds", orElse: () => Effect.succeed("→ no answer within 30 s") }),
          Effect.catch((error) => Effect.succeed(`→ ${options.forward} failed: ${error.message}`))
        )
        yield* Console.log(`${line}  ${answer}  ${Math.round(performance.now() - started)} ms`)
      })

    const query = new URLSearchParams({ source: options.source })
    if (options.eventTypes.length > 0) query.set("event_types", options.eventTypes.join(","))

    const follow = Effect.gen(function* () {
      const params = new URLSearchParams(query)
      if (lastEventId === undefined && options.replay > 0) params.set("replay", String(options.replay))
      const request = HttpClientRequest.get(
        `${options.url}/api/tenants/${encodeURIComponent(options.tenant)}/eventhook/events/stream?${params}`
      ).pipe(
        HttpClientRequest.setHeaders({
          authorization: `Bearer ${options.token}`,
          accept: "text/event-stream",
          ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId })
        })
      )
      const response = yield* client.execute(request)
      if (response.status !== 200) {
        const text = yield* response.text.pipe(Effect.orElseSucceed(() => ""))
        let message = text
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text
        } catch {}
        const refusal = `the server answered ${response.status}: ${message}`
        return yield* Effect.fail(
          FINAL_STATUSES.includes(response.status) ? new ListenRefused(refusal) : new Error(refusal)
        )
      }
      yield* Console.log(
        `${connected ? "reconnected" : "listening"}: ${options.tenant}/${options.source} → ${options.forward}`
      )
      connected = true
      delay = INITIAL_DELAY
      const read = serverSentEventReader()
      yield* response.stream.pipe(
        Stream.decodeText(),
        Stream.flatMap((text) => Stream.fromIterable(read(text))),
        Stream.runForEach((message) => {
          if (message.event !== "event" || message.id === undefined) return Effect.void
          lastEventId = message.id
          if (seen.has(message.id)) return Effect.void
          remember(message.id)
          const event = JSON.parse(message.data) as StreamedEventView
          return event.is_duplicate ? Effect.void : forward(event)
        })
      )
      return yield* Effect.fail(new Error("the server closed the stream"))
    })

    // Reconnect forever: after half a second, doubling up to ten, back to half a second once connected.
    return yield* follow.pipe(
      Effect.catch((error) =>
        error instanceof ListenRefused
          ? Effect.fail(error)
          : Console.error(`connection lost (${error.message}); reconnecting in ${Duration.format(delay)}…`).pipe(
              Effect.andThen(Effect.suspend(() => Effect.sleep(delay))),
              Effect.andThen(
                Effect.sync(() => {
                  delay = Duration.min(Duration.times(delay, 2), MAX_DELAY)
                })
              )
            )
      ),
      Effect.forever
    )
  })
