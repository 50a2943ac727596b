import { lookup as dnsLookup } from "node:dns"
import type { LookupFunction } from "node:net"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer, Result, Semaphore, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"
import { checkDestinationAddress, checkDestinationUrl, type DestinationRules } from "../domain/destinationRules.ts"
import { admit, type CircuitSettings, type CircuitState, closedCircuit, recordResult } from "./circuitBreaker.ts"
import type { DeliveryRequest, DeliveryResult } from "./httpDelivery.ts"

// The `http` target's I/O (issue 17), on Effect's HttpClient over Node's own `node:http` (keep-alive). Its undici
// client cost ~10 MB more of the service's peak resident memory from the first deliveries on (issue 22's goal of
// 150 MB), for ~5 % less CPU per delivered event (README "Memory"). A dead destination must not hold up the
// rest: calls run within a global bound and one per destination (scheme, host and port), a call that cannot get a
// slot soon fails retryably instead of occupying a worker, and a destination that keeps failing opens its circuit.
// Redirects are not followed. The address a connection is made to is judged by the destination rules at connect
// time, in the DNS lookup, so a name that resolves to a denied address is refused however it resolves later.

export interface HttpSenderOptions {
  /** Calls in flight at once, to all destinations. */
  readonly maxConcurrent: number
  /** Calls in flight at once to one destination. */
  readonly maxPerDestination: number
  /** How long a call waits for a slot before it fails retryably ("the destination is busy"). */
  readonly slotWaitMs: number
  readonly circuit: CircuitSettings
  /** The first bytes of a response body kept on the action. */
  readonly responseBodyBytes: number
}

export const defaultHttpSenderOptions: HttpSenderOptions = {
  maxConcurrent: 256,
  maxPerDestination: 32,
  slotWaitMs: 500,
  circuit: { threshold: 5, cooldownMs: 30_000 },
  responseBodyBytes: 1024
}

class DestinationRefused extends Error {
  readonly code = "EDESTINATIONREFUSED"
}

/** `dns.lookup` that refuses an address the rules deny (the connection then fails with the reason). */
const guardedLookup =
  (rules: DestinationRules): LookupFunction =>
  (hostname, options, callback) =>
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      for (const { address } of addresses) {
        const refused = checkDestinationAddress(hostname.toLowerCase(), address, rules)
        if (refused !== null) return callback(new DestinationRefused(refused), [])
      }
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })

/** The error and what caused it, a few levels down (the client wraps socket errors; a multi-address connect aggregates). */
function* causesOf(error: unknown): Generator<Error> {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    yield current
    current = current instanceof AggregateError ? current.errors[0] : current.cause
  }
}

const refusedIn = (error: unknown): DestinationRefused | undefined =>
  [...causesOf(error)].find((cause): cause is DestinationRefused => cause instanceof DestinationRefused)

/** Why no answer came, in a few words: the first system error code on the way down. */
const causeText = (error: unknown): string => {
  for (const cause of causesOf(error)) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code !== undefined && !(cause instanceof AggregateError))
      return `${code}${cause.message && !cause.message.includes(code) ? ` (${cause.message})` : ""}`
  }
  return error instanceof Error ? error.message : String(error)
}

const decoder = new TextDecoder()

export class HttpSender extends Context.Service<
  HttpSender,
  {
    /** Sends one delivery; every way it can end is a result, never an error. */
    readonly send: (request: DeliveryRequest) => Effect.Effect<DeliveryResult>
  }
>()("eventhook/targets/HttpSender") {
  static readonly layerWith = (options: HttpSenderOptions) =>
    Layer.effect(
      HttpSender,
      Effect.gen(function* () {
        const { destinationRules: rules } = yield* AppConfig
        const client = yield* HttpClient.HttpClient
        const global = yield* Semaphore.make(options.maxConcurrent)
        const destinations = new Map<string, { circuit: CircuitState; readonly slots: Semaphore.Semaphore }>()
        const destinationOf = (origin: string) => {
          let destination = destinations.get(origin)
          if (destination === undefined) {
            destination = { circuit: closedCircuit, slots: Semaphore.makeUnsafe(options.maxPerDestination) }
            destinations.set(origin, destination)
          }
          return destination
        }

        const firstBytes = (stream: Stream.Stream<Uint8Array, unknown>) => {
          let seen = 0
          return stream.pipe(
            Stream.takeUntil((chunk) => {
              seen += chunk.length
              return seen >= options.responseBodyBytes
            }),
            Stream.runCollect,
            Effect.map((chunks) => {
              const bytes = new Uint8Array(seen)
              let offset = 0
              for (const chunk of chunks) {
                bytes.set(chunk, offset)
                offset += chunk.length
              }
              return decoder.decode(bytes.subarray(0, options.responseBodyBytes))
            }),
            Effect.orElseSucceed(() => "")
          )
        }

        const call = (request: DeliveryRequest, startedAt: number) =>
          client
            .execute(
              HttpClientRequest.make(request.method)(request.url).pipe(
                HttpClientRequest.setHeaders(request.headers),
                HttpClientRequest.bodyUint8Array(request.body, request.headers["content-type"])
              )
            )
            .pipe(
              Effect.flatMap((response) =>
                Effect.map(
                  firstBytes(response.stream),
                  (bodyStart): DeliveryResult => ({
                    _tag: "Answered",
                    status: response.status,
                    location: response.headers.location ?? null,
                    retryAfter: response.headers["retry-after"] ?? null,
                    bodyStart,
                    ms: Math.round(performance.now() - startedAt)
                  })
                )
              ),
              Effect.scoped,
              Effect.timeoutOrElse({
                duration: request.timeoutMs,
                orElse: () =>
                  Effect.succeed<DeliveryResult>({
                    _tag: "NoAnswer",
                    reason: `the destination did not answer within ${request.timeoutMs} ms`,
                    retryable: true,
                    ms: Math.round(performance.now() - startedAt)
                  })
              }),
              Effect.catch((error) => {
                // A refused destination is final; anything else (refused connection, reset…) may pass later.
                const refused = refusedIn(error)
                return Effect.succeed<DeliveryResult>({
                  _tag: "NoAnswer",
                  reason: refused?.message ?? `no answer from the destination: ${causeText(error)}`,
                  retryable: refused === undefined,
                  ms: Math.round(performance.now() - startedAt)
                })
              })
            )

        const noSlot = (origin: string, why: string): DeliveryResult => ({
          _tag: "NoAnswer",
          reason: `${origin} ${why}; retried later`,
          retryable: true,
          ms: null
        })

        const send = (request: DeliveryRequest): Effect.Effect<DeliveryResult> =>
          Effect.suspend(() => {
            const url = checkDestinationUrl(request.url, rules)
            if (Result.isFailure(url))
              return Effect.succeed<DeliveryResult>({
                _tag: "NoAnswer",
                reason: `destination ${url.failure}`,
                retryable: false,
                ms: null
              })
            const origin = url.success.origin
            const destination = destinationOf(origin)
            const admission = admit(destination.circuit, Date.now(), options.circuit)
            if (admission._tag === "Refuse")
              return Effect.succeed(
                noSlot(
                  origin,
                  `failed ${destination.circuit.consecutiveFailures} times in a row: its circuit is open for ${Math.ceil(admission.retryInMs / 1000)} s`
                )
              )
            destination.circuit = admission.state
            const slot = Semaphore.take(destination.slots, 1).pipe(
              Effect.andThen(Semaphore.take(global, 1)),
              Effect.timeoutOption(options.slotWaitMs)
            )
            return slot.pipe(
              Effect.flatMap((taken) => {
                if (taken._tag === "None") {
                  if (admission.state.probing) destination.circuit = { ...destination.circuit, probing: false }
                  return Effect.succeed(noSlot(origin, `has ${options.maxPerDestination} calls in flight`))
                }
                return call(request, performance.now()).pipe(
                  Effect.tap((result) =>
                    Effect.sync(() => {
                      const failedHard =
                        (result._tag === "NoAnswer" && result.retryable) ||
                        (result._tag === "Answered" && (result.status >= 500 || result.status === 429))
                      destination.circuit = recordResult(destination.circuit, !failedHard, Date.now(), options.circuit)
                    })
                  ),
                  Effect.ensuring(
                    Semaphore.release(global, 1).pipe(Effect.andThen(Semaphore.release(destination.slots, 1)))
                  )
                )
              })
            )
          })

        return HttpSender.of({ send })
      })
    ).pipe(
      Layer.provide(
        Layer.unwrap(
          Effect.map(AppConfig, ({ destinationRules }) =>
            NodeHttpClient.layerNodeHttpOptions({ keepAlive: true, lookup: guardedLookup(destinationRules) })
          )
        )
      )
    )

  static readonly layer = HttpSender.layerWith(defaultHttpSenderOptions)
}
