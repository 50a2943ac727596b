import { Console, Effect } from "effect"
import { Argument, Command } from "effect/cli"
import { TenantCreate, validate } from "../admin/inputs.ts"
import { TenantAdmin } from "../admin/TenantAdmin.ts"
import { json, table } from "./output.ts"
import { given, jsonFlag, operate, optionalString } from "./shared.ts"

// `eventhook tenant …`

const tenantCreate = Command.make(
  "create",
  { slug: Argument.String("slug"), name: optionalString("name", "display name (default: the slug)"), json: jsonFlag },
  ({ slug, name, json: asJson }) =>
    operate(
      Effect.gen(function* () {
        const tenant = yield* (yield* TenantAdmin).create(yield* validate(TenantCreate)({ slug, ...given({ name }) }))
        yield* Console.log(asJson ? json(tenant) : `tenant ${tenant.slug} created (${tenant.id})`)
      })
    )
).pipe(Command.withDescription("create a tenant"))

const tenantList = Command.make("list", { json: jsonFlag }, ({ json: asJson }) =>
  operate(
    Effect.gen(function* () {
      const tenants = yield* (yield* TenantAdmin).list
      yield* Console.log(asJson ? json(tenants) : table(tenants, ["slug", "name", "id", "created_at"]))
    })
  )
).pipe(Command.withDescription("list tenants"))

export const tenant = Command.make("tenant").pipe(
  Command.withDescription("manage tenants"),
  Command.withSubcommands([tenantCreate, tenantList])
)
