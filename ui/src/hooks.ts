import { type Effect } from "effect"
import { useCallback, useEffect, useState } from "preact/hooks"
import { type Client, callApi, type Problem } from "./client.ts"

/** What every view of a tenant is given. */
export interface TenantProps {
  readonly token: string
  readonly tenant: string
}

/** A view that also reads the URL's query (`#/events?source=…`). */
export interface QueryProps extends TenantProps {
  readonly query: URLSearchParams
}

export type Loaded<A> =
  | { readonly state: "loading" }
  | { readonly state: "failed"; readonly problem: Problem }
  | { readonly state: "ready"; readonly value: A }

/** One admin API call, run when its inputs change; `reload` runs it again. */
export const useApi = <A, E>(
  token: string,
  call: (client: Client) => Effect.Effect<A, E>,
  inputs: ReadonlyArray<unknown>
): Loaded<A> & { readonly reload: () => void } => {
  const [loaded, setLoaded] = useState<Loaded<A>>({ state: "loading" })
  const [round, setRound] = useState(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names the inputs the call depends on
  useEffect(() => {
    let current = true
    callApi(token, call).then(
      (value) => current && setLoaded({ state: "ready", value }),
      (problem: Problem) => current && setLoaded({ state: "failed", problem })
    )
    return () => {
      current = false
    }
  }, [token, round, ...inputs])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  return { ...loaded, reload }
}
