import { Context, type Effect } from "effect"
import type { TargetFailed } from "./TargetFailed.ts"
import type { ExecutionLaunch, Launched } from "./WorkflowLauncher.ts"

/** Creates a task for a matched route. The standalone server provides the PostgreSQL reference host. */
export class TaskLauncher extends Context.Service<
  TaskLauncher,
  { readonly launch: (launch: ExecutionLaunch) => Effect.Effect<Launched, TargetFailed> }
>()("eventhook/targets/TaskLauncher") {}
