import { useState } from "preact/hooks"
import { callApi, type Problem } from "../client.ts"
import { type QueryProps, useApi } from "../hooks.ts"
import { ConfirmButton, ProblemNote, Status } from "../parts/common.tsx"
import { navigate } from "../router.ts"

type RouteList = Extract<ReturnType<typeof useRoutes>, { state: "ready" }>["value"]
type Route = RouteList[number]
const useRoutes = (token: string, tenant: string, source: string | undefined) =>
  useApi(
    token,
    (client) => client.routes.list({ params: { tenant_slug: tenant }, query: source ? { source } : {} }),
    [tenant, source]
  )

const TARGETS = ["workflow", "task", "promise", "http"] as const
const FIELDS = ["name", "priority", "target_type", "target_config", "filter_event_types", "filter", "transform"] as const
type Field = (typeof FIELDS)[number]

/** Which field an API message is about: its messages start with the field (`filter: line 1, column 9: …`). */
const fieldOf = (problem: Problem): Field | null => {
  const head = problem.message.split(":")[0]!.split(".")[0]!.trim()
  return (FIELDS as ReadonlyArray<string>).includes(head) ? (head as Field) : null
}

/** Routes per source, in tiers of equal priority, in the order they run. */
export const Routes = ({ token, tenant, query }: QueryProps) => {
  const source = query.get("source") ?? undefined
  const routes = useRoutes(token, tenant, source)
  const sources = useApi(token, (client) => client.sources.list({ params: { tenant_slug: tenant } }), [tenant])
  const [editing, setEditing] = useState<Route | "new" | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  if (routes.state === "loading") return <p class="loading">Loading…</p>
  if (routes.state === "failed") return <ProblemNote problem={routes.problem} />
  const bySource = new Map<string, Array<Route>>()
  for (const route of routes.value) bySource.set(route.source, [...(bySource.get(route.source) ?? []), route])
  return (
    <div class="routes">
      <h1>
        Routes{" "}
        <select
          aria-label="source"
          value={source ?? ""}
          onChange={(event) => navigate(["routes"], { source: (event.target as HTMLSelectElement).value })}
        >
          <option value="">every source</option>
          {sources.state === "ready" &&
            sources.value.map((s) => (
              <option key={s.slug} value={s.slug}>
                {s.slug}
              </option>
            ))}
        </select>{" "}
        <button type="button" onClick={() => setEditing(editing === "new" ? null : "new")}>
          New route
        </button>
      </h1>
      {editing !== null && (
        <RouteForm
          key={editing === "new" ? "new" : editing.id}
          token={token}
          tenant={tenant}
          route={editing === "new" ? null : editing}
          sources={sources.state === "ready" ? sources.value.map((s) => s.slug) : []}
          defaultSource={source}
          onSaved={() => {
            setEditing(null)
            routes.reload()
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <ProblemNote problem={problem} />
      {[...bySource.entries()].map(([sourceSlug, list]) => {
        const tiers = [...new Set(list.map((route) => route.priority))]
        return (
          <section key={sourceSlug} class="card">
            <h2>{sourceSlug}</h2>
            {tiers.map((priority, index) => (
              <div key={String(priority)} class="tier">
                <h3>
                  {index + 1}. priority {priority}
                  <span class="muted"> — these run together{index < tiers.length - 1 ? ", then" : ""}</span>
                </h3>
                <table class="grid">
                  <tbody>
                    {list
                      .filter((route) => route.priority === priority)
                      .map((route) => (
                        <tr key={route.id} data-route={route.name}>
                          <td>{route.name}</td>
                          <td>
                            {route.target_type}{" "}
                            <span class="muted mono">{JSON.stringify(route.target_config)}</span>
                          </td>
                          <td>{route.filter_event_types?.join(", ") ?? "every event type"}</td>
                          <td class="mono">{route.filter ?? ""}</td>
                          <td>{route.is_enabled ? <Status status="enabled" /> : <Status status="disabled" />}</td>
                          <td class="row-actions">
                            <button type="button" onClick={() => setEditing(route)}>
                              Edit
                            </button>
                            <button
                              type="button"
                              onClick={() =>
                                callApi(token, (client) =>
                                  client.routes.update({
                                    params: { tenant_slug: tenant, route_id: route.id },
                                    payload: { is_enabled: !route.is_enabled }
                                  })
                                ).then(routes.reload, setProblem)
                              }
                            >
                              {route.is_enabled ? "Disable" : "Enable"}
                            </button>
                            <ConfirmButton
                              label="Delete"
                              question={`Delete ${route.name}?`}
                              onConfirm={() =>
                                callApi(token, (client) =>
                                  client.routes.delete({ params: { tenant_slug: tenant, route_id: route.id } })
                                ).then(routes.reload, setProblem)
                              }
                            />
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            ))}
          </section>
        )
      })}
      {routes.value.length === 0 && <p class="empty">No route yet.</p>}
    </div>
  )
}

const RouteForm = ({
  token,
  tenant,
  route,
  sources,
  defaultSource,
  onSaved,
  onCancel
}: {
  readonly token: string
  readonly tenant: string
  readonly route: Route | null
  readonly sources: ReadonlyArray<string>
  readonly defaultSource: string | undefined
  readonly onSaved: () => void
  readonly onCancel: () => void
}) => {
  const [problem, setProblem] = useState<Problem | null>(null)
  const [dryRun, setDryRun] = useState<string | null>(null)
  const field = problem === null ? null : fieldOf(problem)
  const fieldProblem = (name: Field) =>
    field === name ? (
      <span class="field-error" role="alert">
        {problem!.message}
      </span>
    ) : null
  const read = (form: HTMLFormElement) => {
    const data = new FormData(form)
    const text = (name: string) => String(data.get(name) ?? "").trim()
    let targetConfig: unknown
    try {
      targetConfig = JSON.parse(text("target_config") || "{}")
    } catch (error) {
      throw { error: "invalid_request", message: `target_config: not JSON (${(error as Error).message})` }
    }
    const types = text("filter_event_types")
    return {
      // A disabled field is not in the form's data: an edited route keeps its source.
      source: route?.source ?? text("source"),
      name: text("name"),
      priority: Number(text("priority") || "0"),
      target_type: text("target_type") as (typeof TARGETS)[number],
      target_config: targetConfig as Record<string, unknown>,
      filter_event_types: types === "" ? null : types.split(",").map((type) => type.trim()),
      filter: text("filter") === "" ? null : text("filter"),
      transform: text("transform") === "" ? null : text("transform"),
      is_enabled: data.get("is_enabled") === "on"
    }
  }
  return (
    <form
      class="card route-form"
      onSubmit={(event) => {
        event.preventDefault()
        setProblem(null)
        let values: ReturnType<typeof read>
        try {
          values = read(event.target as HTMLFormElement)
        } catch (failure) {
          setProblem(failure as Problem)
          return
        }
        const { source, ...changes } = values
        const saved =
          route === null
            ? callApi(token, (client) =>
                client.routes.create({ params: { tenant_slug: tenant }, payload: { source, ...changes } as never })
              )
            : callApi(token, (client) =>
                client.routes.update({ params: { tenant_slug: tenant, route_id: route.id }, payload: changes as never })
              )
        saved.then(onSaved, setProblem)
      }}
    >
      <h2>{route === null ? "New route" : `Edit ${route.name}`}</h2>
      <label>
        Source
        <select name="source" disabled={route !== null}>
          {sources.map((slug) => (
            <option key={slug} value={slug} selected={slug === (route?.source ?? defaultSource)}>
              {slug}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input name="name" defaultValue={route?.name ?? ""} required />
        {fieldProblem("name")}
      </label>
      <label>
        Priority
        <input name="priority" type="number" defaultValue={String(route?.priority ?? 0)} />
        {fieldProblem("priority")}
      </label>
      <label>
        Target
        <select name="target_type">
          {TARGETS.map((target) => (
            <option key={target} value={target} selected={target === (route?.target_type ?? "workflow")}>
              {target}
            </option>
          ))}
        </select>
        {fieldProblem("target_type")}
      </label>
      <label>
        Target config (JSON)
        <textarea
          name="target_config"
          rows={3}
          class="mono"
          defaultValue={route === null ? '{"workflow_kind": ""}' : JSON.stringify(route.target_config)}
        />
        {fieldProblem("target_config")}
      </label>
      <label>
        Event types (comma-separated, empty: every type)
        <input name="filter_event_types" defaultValue={route?.filter_event_types?.join(", ") ?? ""} />
        {fieldProblem("filter_event_types")}
      </label>
      <label>
        Filter (CEL, optional)
        <textarea name="filter" rows={2} class="mono" defaultValue={route?.filter ?? ""} placeholder='body.action == "opened"' />
        {fieldProblem("filter")}
      </label>
      <label>
        Transform (CEL, optional)
        <textarea name="transform" rows={2} class="mono" defaultValue={route?.transform ?? ""} placeholder='{"id": body.id}' />
        {fieldProblem("transform")}
      </label>
      <label>
        <input name="is_enabled" type="checkbox" defaultChecked={route?.is_enabled ?? true} /> enabled
      </label>
      <p>
        <button type="submit">Save</button>{" "}
        <button
          type="button"
          onClick={(event) => {
            setProblem(null)
            let values: ReturnType<typeof read>
            try {
              values = read((event.target as HTMLElement).closest("form")!)
            } catch (failure) {
              setProblem(failure as Problem)
              return
            }
            callApi(token, (client) =>
              client.routes.test({
                params: { tenant_slug: tenant },
                payload: {
                  source: values.source,
                  filter_event_types: values.filter_event_types,
                  filter: values.filter,
                  transform: values.transform,
                  target_type: values.target_type,
                  target_config: values.target_config,
                  limit: 1000
                }
              })
            ).then(
              (report) =>
                setDryRun(
                  `Of the last ${report.events} events, ${report.matched} would match, ${report.unmatched} not, ${report.skipped} skipped${report.transform_failed > 0 ? `, ${report.transform_failed} failing the transform` : ""}.`
                ),
              setProblem
            )
          }}
        >
          Dry run
        </button>{" "}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
      {dryRun !== null && <p class="done">{dryRun}</p>}
      {problem !== null && field === null && <ProblemNote problem={problem} />}
    </form>
  )
}
