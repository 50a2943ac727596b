// `eventhook/testing` (issue 18): in-memory targets for a host's tests. They behave as the contract asks of a
// target: one execution per idempotency key (a repeat returns it, `created: false`), and every promise settles.

import { Context, Effect, Layer, Ref } from "effect"
import type { PromiseSettlement } from "./targets/PromiseResolver.ts"
import { PromiseResolver } from "./targets/PromiseResolver.ts"
import { TaskLauncher } from "./targets/TaskLauncher.ts"
import { type ExecutionLaunch, type Launched, WorkflowLauncher } from "./targets/WorkflowLauncher.ts"

export interface Recorded {
  /** Workflows started, once per idempotency key, in order. */
  readonly workflows: ReadonlyArray<ExecutionLaunch>
  readonly tasks: ReadonlyArray<ExecutionLaunch>
  /** Every settlement asked for (repeats included: settling twice is a success that changes nothing). */
  readonly settlements: ReadonlyArray<PromiseSettlement>
}

/** What the in-memory targets were asked to do. */
export class RecordedTargets extends Context.Service<RecordedTargets, Ref.Ref<Recorded>>()(
  "eventhook/testing/RecordedTargets"
) {}

const launcherOf = (recorded: Ref.Ref<Recorded>, kind: "workflows" | "tasks") => ({
  launch: (launch: ExecutionLaunch) =>
    Ref.modify(recorded, (state): readonly [Launched, Recorded] => {
      const index = state[kind].findIndex((known) => known.idempotencyKey === launch.idempotencyKey)
      if (index >= 0) return [{ executionId: `${kind}-${index + 1}`, created: false }, state]
      return [
        { executionId: `${kind}-${state[kind].length + 1}`, created: true },
        { ...state, [kind]: [...state[kind], launch] }
      ]
    })
})

/** WorkflowLauncher, TaskLauncher and PromiseResolver in memory, and `RecordedTargets` to read what they did. */
export const InMemoryTargets = Layer.effectContext(
  Effect.gen(function* () {
    const recorded = yield* Ref.make<Recorded>({ workflows: [], tasks: [], settlements: [] })
    return Context.make(RecordedTargets, recorded).pipe(
      Context.add(WorkflowLauncher, WorkflowLauncher.of(launcherOf(recorded, "workflows"))),
      Context.add(TaskLauncher, TaskLauncher.of(launcherOf(recorded, "tasks"))),
      Context.add(
        PromiseResolver,
        PromiseResolver.of({
          settle: (settlement) =>
            Ref.modify(recorded, (state) => [
              {
                promiseId: `promise-${settlement.key}`,
                changed: !state.settlements.some((s) => s.key === settlement.key)
              },
              { ...state, settlements: [...state.settlements, settlement] }
            ])
        })
      )
    )
  })
)
