import { Context, type Effect } from "effect"
import type { TenantId } from "../domain/ids.ts"
import type { TargetFailed } from "./TargetFailed.ts"

export interface PromiseSettlement {
  readonly tenantId: TenantId
  /** The key the host registered the promise under: the route's prefix + the value at its path. */
  readonly key: string
  readonly outcome:
    | { readonly resolve: true; readonly value: unknown }
    | { readonly resolve: false; readonly error: string }
}

/** Resolves or rejects a promise a host is waiting on. The standalone server provides the PostgreSQL reference. */
export class PromiseResolver extends Context.Service<
  PromiseResolver,
  {
    /**
     * Settles the promise once; settling it again is a success that changes nothing (`changed: false`). An
     * unknown key fails, retryably: the promise may be registered a moment later.
     */
    readonly settle: (
      settlement: PromiseSettlement
    ) => Effect.Effect<{ readonly promiseId: string; readonly changed: boolean }, TargetFailed>
  }
>()("eventhook/targets/PromiseResolver") {}
