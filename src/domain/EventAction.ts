import { Schema } from "effect"

export const ActionStatus = Schema.Literals(["pending", "success", "failed", "skipped"])
export type ActionStatus = typeof ActionStatus.Type
