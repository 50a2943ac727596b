import { Context } from "effect"
import type { Launcher } from "./WorkflowLauncher.ts"

/** Creates a task for a matched route. The standalone server provides the PostgreSQL reference host. */
export class TaskLauncher extends Context.Service<TaskLauncher, Launcher>()("eventhook/targets/TaskLauncher") {}
