import { Config, Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import { type ListenRefused, listen as listenTo } from "./listen.ts"
import { list, optionalString, tenantFlag } from "./shared.ts"

// `eventhook listen <source> --forward <url>` (issue 17): talks to a running Eventhook over HTTP with the admin
// token, not to the database, so it works against a remote install from a laptop.

export const listen = Command.make(
  "listen",
  {
    source: Argument.String("source").pipe(Argument.withDescription("the slug of the source to listen to")),
    tenant: tenantFlag,
    forward: Flag.String("forward").pipe(
      Flag.withDescription("the local URL each event is POSTed to, e.g. http://localhost:3000/webhooks")
    ),
    url: Flag.String("url").pipe(
      Flag.withDescription("the running Eventhook (default: $EVENTHOOK_URL, else http://localhost:8080)"),
      Flag.withFallbackConfig(Config.String("EVENTHOOK_URL")),
      Flag.withDefault("http://localhost:8080")
    ),
    token: Flag.String("token").pipe(
      Flag.withDescription("the admin token (default: $EVENTHOOK_ADMIN_TOKEN)"),
      Flag.withFallbackConfig(Config.String("EVENTHOOK_ADMIN_TOKEN"))
    ),
    replay: Flag.Int("replay").pipe(
      Flag.withDescription("send the source's last N stored events first"),
      Flag.withDefault(0)
    ),
    eventTypes: optionalString("event-types", "only these event types, comma-separated")
  },
  ({ source, tenant, forward, url, token, replay, eventTypes }) =>
    listenTo({
      url: url.replace(/\/+$/, ""),
      token,
      tenant,
      source,
      forward,
      replay,
      eventTypes: Option.getOrElse(list(eventTypes), () => [])
    }).pipe(
      Effect.catchTag("ListenRefused", (error: ListenRefused) =>
        Console.error(`error: ${error.message}`).pipe(
          Effect.andThen(
            Effect.sync(() => {
              process.exitCode = 1
            })
          )
        )
      ),
      Effect.provide(FetchHttpClient.layer)
    )
).pipe(
  Command.withDescription(
    "forward a source's events, as they arrive, to a local URL with their exact bytes and headers (a tap: it changes nothing)"
  )
)
