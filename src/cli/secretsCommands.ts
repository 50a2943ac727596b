import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { TenantAdmin } from "../admin/TenantAdmin.ts"
import { invalidRequest } from "../domain/operatorErrors.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { SecretBox } from "../store/SecretBox.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { json } from "./output.ts"
import { jsonFlag, operate } from "./shared.ts"

// `eventhook secrets …`: secrets at rest (README "Secrets at rest").

const secretsReencrypt = Command.make(
  "reencrypt",
  {
    tenant: Flag.String("tenant").pipe(
      Flag.withAlias("t"),
      Flag.withDescription("only this tenant's sources (default: every tenant's)"),
      Flag.optional
    ),
    json: jsonFlag
  },
  ({ tenant, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const box = yield* SecretBox
        if (box.currentKeyId === null)
          return yield* invalidRequest("EVENTHOOK_SECRET_KEY is not set: there is no key to encrypt under")
        const tenantId = Option.isSome(tenant) ? (yield* (yield* TenantAdmin).require(tenant.value)).id : undefined
        const scope = tenantId === undefined ? {} : { tenantId }
        const report = yield* (yield* SourceRepo).resealAll(scope)
        const routes = yield* (yield* RouteRepo).resealAll(scope)
        if (asJson)
          return yield* Console.log(
            json({
              key_id: box.currentKeyId,
              resealed: report.resealed,
              unchanged: report.unchanged,
              unknown_key: report.unknownKey,
              routes: { resealed: routes.resealed, unchanged: routes.unchanged, unknown_key: routes.unknownKey }
            })
          )
        yield* Console.log(
          `secrets of ${report.resealed} sources encrypted under key ${box.currentKeyId}; ${report.unchanged} already were`
        )
        yield* Console.log(
          `secrets of ${routes.resealed} routes encrypted under key ${box.currentKeyId}; ${routes.unchanged} already were or hold none`
        )
        for (const { id, keyIds } of report.unknownKey)
          yield* Console.error(
            `source ${id}: a secret is encrypted under key ${keyIds.join(", ")}, which is not configured`
          )
        for (const { id, keyIds } of routes.unknownKey)
          yield* Console.error(
            `route ${id}: a secret is encrypted under key ${keyIds.join(", ")}, which is not configured`
          )
      })
    )
).pipe(
  Command.withDescription(
    "encrypt every source's and route's secrets under EVENTHOOK_SECRET_KEY: plaintext ones, and those under EVENTHOOK_SECRET_KEY_PREVIOUS"
  )
)

export const secrets = Command.make("secrets").pipe(
  Command.withDescription("secrets at rest"),
  Command.withSubcommands([secretsReencrypt])
)
