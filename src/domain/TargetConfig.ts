import { Result, Schema, SchemaIssue } from "effect"
import { ValuePath } from "./ValuePath.ts"

// CONTRACT §6: the JSON of `target_config`; the column `target_type` says which shape it has.

export const TargetType = Schema.Literals(["workflow", "task", "promise"])
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

export type TargetConfig =
  | { readonly type: "workflow"; readonly config: typeof WorkflowTargetConfig.Type }
  | { readonly type: "task"; readonly config: typeof TaskTargetConfig.Type }
  | { readonly type: "promise"; readonly config: typeof PromiseTargetConfig.Type }

const decoders = {
  workflow: Schema.decodeUnknownResult(WorkflowTargetConfig),
  task: Schema.decodeUnknownResult(TaskTargetConfig),
  promise: Schema.decodeUnknownResult(PromiseTargetConfig)
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
  }
}
