import { Result, Schema, SchemaIssue } from "effect"
import { ValuePath } from "./ValuePath.ts"

// CONTRACT §6: the JSON of `target_config`; the column `target_type` says which shape it has.

export const TargetType = Schema.Literals(["workflow", "task", "promise", "http"])
export type TargetType = typeof TargetType.Type

const Queue = Schema.NonEmptyString

export const WorkflowTargetConfig = Schema.Struct({
  workflow_kind: Schema.NonEmptyString,
  queue: Schema.optionalKey(Queue),
  idempotency_key_path: Schema.optionalKey(ValuePath)
})
export const TaskTargetConfig = Schema.Struct({
  task_kind: Schema.NonEmptyString,
  queue: Schema.optionalKey(Queue),
  idempotency_key_path: Schema.optionalKey(ValuePath)
})
export const PromiseTargetConfig = Schema.Struct({
  idempotency_key_path: ValuePath,
  idempotency_key_prefix: Schema.optionalKey(Schema.String),
  resolve: Schema.Boolean,
  value_path: Schema.optionalKey(ValuePath),
  error_path: Schema.optionalKey(ValuePath)
})

const HeaderName = Schema.String.check(
  Schema.isPattern(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: "must be an HTTP header name" })
)
/** Headers the sender sets itself (the hop's own): refused in `headers` and `forward_headers`. */
export const HOP_HEADERS = [
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection"
]
/**
 * Received headers that never go along (issue 17): the hop's own, and the caller's credentials. A target's own
 * `headers` may set `authorization` (the destination's credential); `forward_headers` never passes the received one.
 */
export const UNSENDABLE_HEADERS = [...HOP_HEADERS, "authorization", "cookie", "proxy-authorization"]
const refuseUnsendable = (field: string) =>
  Schema.makeFilter((names: ReadonlyArray<string>) => {
    const refused = names.find((name) => UNSENDABLE_HEADERS.includes(name.toLowerCase()))
    return refused === undefined ? undefined : `${field} must not name ${refused.toLowerCase()}`
  })
const WhsecSecret = Schema.String.check(
  Schema.isPattern(/^whsec_[A-Za-z0-9+/]+={0,2}$/, { message: "must be whsec_<base64>" })
)

export const HttpSigning = Schema.Struct({
  type: Schema.Literal("standard_webhooks"),
  secret: Schema.optionalKey(WhsecSecret),
  secrets: Schema.optionalKey(Schema.Array(WhsecSecret))
}).check(
  Schema.makeFilter((signing: { readonly secret?: string; readonly secrets?: ReadonlyArray<string> }) =>
    signing.secret !== undefined || (signing.secrets?.length ?? 0) > 0
      ? undefined
      : "needs `secret` or a non-empty `secrets`"
  )
)
export type HttpSigning = typeof HttpSigning.Type

export const HTTP_TIMEOUT_DEFAULT_MS = 10_000
export const HTTP_TIMEOUT_MAX_MS = 60_000

export const HttpTargetConfig = Schema.Struct({
  url: Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/i, { message: "must be an http(s) URL" })),
  method: Schema.optionalKey(Schema.Literals(["POST", "PUT", "PATCH"])),
  headers: Schema.optionalKey(
    Schema.Record(HeaderName, Schema.String).check(
      Schema.makeFilter((headers: Readonly<Record<string, string>>) => {
        const names = Object.keys(headers)
        const refused = names.find((name) => HOP_HEADERS.includes(name.toLowerCase()))
        return refused === undefined ? undefined : `headers must not set ${refused.toLowerCase()} (the sender sets it)`
      })
    )
  ),
  timeout_ms: Schema.optionalKey(
    Schema.Int.check(
      Schema.isBetween(
        { minimum: 100, maximum: HTTP_TIMEOUT_MAX_MS },
        { message: `must be an integer between 100 and ${HTTP_TIMEOUT_MAX_MS}` }
      )
    )
  ),
  body: Schema.optionalKey(Schema.Literals(["raw", "parsed"])),
  forward_headers: Schema.optionalKey(Schema.Array(HeaderName).check(refuseUnsendable("forward_headers"))),
  signing: Schema.optionalKey(HttpSigning)
})
export type HttpTargetConfig = typeof HttpTargetConfig.Type

export type TargetConfig =
  | { readonly type: "workflow"; readonly config: typeof WorkflowTargetConfig.Type }
  | { readonly type: "task"; readonly config: typeof TaskTargetConfig.Type }
  | { readonly type: "promise"; readonly config: typeof PromiseTargetConfig.Type }
  | { readonly type: "http"; readonly config: HttpTargetConfig }

const decoders = {
  workflow: Schema.decodeUnknownResult(WorkflowTargetConfig),
  task: Schema.decodeUnknownResult(TaskTargetConfig),
  promise: Schema.decodeUnknownResult(PromiseTargetConfig),
  http: Schema.decodeUnknownResult(HttpTargetConfig)
}
const decodeType = Schema.decodeUnknownResult(TargetType)
const formatIssue = SchemaIssue.makeFormatterDefault()

/** Decodes a route's `target_type` and `target_config`; the error says what is wrong, in words. */
export const decodeTargetConfig = (targetType: string, json: unknown): Result.Result<TargetConfig, string> => {
  const type = decodeType(targetType)
  if (Result.isFailure(type)) return Result.fail(`unknown target_type "${targetType}"`)
  const options = { onExcessProperty: "error" } as const
  switch (type.success) {
    case "workflow":
      return Result.mapBoth(decoders.workflow(json, options), {
        onSuccess: (config) => ({ type: "workflow", config }),
        onFailure: (error) => formatIssue(error.issue)
      })
    case "task":
      return Result.mapBoth(decoders.task(json, options), {
        onSuccess: (config) => ({ type: "task", config }),
        onFailure: (error) => formatIssue(error.issue)
      })
    case "promise":
      return Result.mapBoth(decoders.promise(json, options), {
        onSuccess: (config) => ({ type: "promise", config }),
        onFailure: (error) => formatIssue(error.issue)
      })
    case "http":
      return Result.mapBoth(decoders.http(json, options), {
        onSuccess: (config) => ({ type: "http", config }),
        onFailure: (error) => formatIssue(error.issue)
      })
  }
}
