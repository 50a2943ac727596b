import { Schema } from "effect"

/** A target could not do its job; `retryable` says whether trying again later may help. */
export class TargetFailed extends Schema.TaggedError<TargetFailed>()("TargetFailed", {
  message: Schema.String,
  retryable: Schema.Boolean
}) {}
