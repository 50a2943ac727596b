import { useState } from "preact/hooks"
import { callApi, type Problem } from "../client.ts"
import { bytes, when } from "../format.ts"
import { useApi } from "../hooks.ts"
import { JsonTree } from "../parts/JsonTree.tsx"
import { ConfirmButton, ProblemNote, Section, Status } from "../parts/common.tsx"
import { href } from "../router.ts"

const REDACTED = "[redacted]"

/** One event: its timeline, headers, payload, raw bytes and actions; reprocess or re-verify it. */
export const EventDetail = ({ token, tenant, id }: { readonly token: string; readonly tenant: string; readonly id: string }) => {
  const params = { tenant_slug: tenant, event_id: id }
  const event = useApi(token, (client) => client.events.get({ params }), [tenant, id])
  const routes = useApi(token, (client) => client.routes.list({ params: { tenant_slug: tenant }, query: {} }), [tenant])
  const [problem, setProblem] = useState<Problem | null>(null)
  const [note, setNote] = useState<string | null>(null)
  if (event.state === "loading") return <p class="loading">Loading…</p>
  if (event.state === "failed") return <ProblemNote problem={event.problem} />
  const e = event.value
  const routeName = (routeId: string | null) =>
    routes.state === "ready" ? (routes.value.find((route) => route.id === routeId)?.name ?? routeId ?? "–") : routeId
  const act = (run: () => Promise<string>) => {
    setProblem(null)
    run().then((message) => {
      setNote(message)
      setTimeout(event.reload, 300)
    }, setProblem)
  }
  const download = () =>
    fetch(`/api/tenants/${encodeURIComponent(tenant)}/eventhook/events/${encodeURIComponent(id)}/payload`, {
      headers: { authorization: `Bearer ${token}` }
    })
      .then((response) => response.blob())
      .then((blob) => {
        const link = document.createElement("a")
        link.href = URL.createObjectURL(blob)
        link.download = `${id}.bin`
        link.click()
        setTimeout(() => URL.revokeObjectURL(link.href), 1000)
      })
  return (
    <div class="event-detail">
      <p class="crumbs">
        <a href={href(["events"])}>Events</a> / <span class="mono">{e.id}</span>
      </p>
      <h1>
        {e.event_type ?? "(no event type)"} <Status status={e.status} />
      </h1>
      <p class="actions-bar">
        {(e.status === "failed" || e.status === "unrouted") && (
          <ConfirmButton
            label="Reprocess"
            question="Reprocess this event?"
            onConfirm={() =>
              act(() =>
                callApi(token, (client) =>
                  client.events.reprocess({ params: { tenant_slug: tenant }, payload: { event_ids: [id] } })
                ).then((answer) => (answer.reprocessed === 1 ? "Reprocessing…" : "Nothing to reprocess"))
              )
            }
          />
        )}
        {e.status === "rejected" && (
          <ConfirmButton
            label="Re-verify"
            question="Verify this event again with the source's current secrets?"
            onConfirm={() =>
              act(() =>
                callApi(token, (client) =>
                  client.events.reverify({ params: { tenant_slug: tenant }, payload: { event_ids: [id] } })
                ).then((answer) =>
                  answer.promoted.length > 0
                    ? "Verified: now pending"
                    : answer.still_rejected.length > 0
                      ? `Still rejected: ${answer.still_rejected[0]!.verification_error}`
                      : "Re-verified"
                )
              )
            }
          />
        )}
        <button type="button" onClick={download}>
          Download raw body ({bytes(e.size_bytes)})
        </button>
        {note !== null && <span class="done">{note}</span>}
      </p>
      <ProblemNote problem={problem} />
      <Section title="Timeline">
        <ol class="timeline">
          <li>
            <strong>Received</strong> {when(e.received_at)} from {e.source}
            {e.source_ip ? ` (${e.source_ip})` : ""}, {e.content_type ?? "no content type"}
          </li>
          <li>
            {e.verified ? (
              <>
                <strong>Verified</strong>
                {e.verified_secret_index === null ? "" : ` with secret #${e.verified_secret_index}`}
              </>
            ) : (
              <>
                <strong class="bad">Rejected</strong> {e.verification_error}
              </>
            )}
          </li>
          {e.is_duplicate && (
            <li>
              <strong>Duplicate</strong> of{" "}
              <a href={href(["events", e.duplicate_of ?? ""])} class="mono">
                {e.duplicate_of}
              </a>
            </li>
          )}
          {[...e.actions]
            .sort((a, b) => String(a.started_at).localeCompare(String(b.started_at)))
            .map((action) => (
              <li key={action.id}>
                <strong>{action.target_type}</strong> via {routeName(action.route_id)}: <Status status={action.status} />{" "}
                {when(action.started_at)}
              </li>
            ))}
          <li>
            <strong>{e.processed_at ? "Processed" : "Not processed yet"}</strong> {when(e.processed_at)}
            {e.retry_count > 0 ? `, attempt ${e.retry_count + 1} of ${e.max_retries + 1}` : ""}
            {e.next_retry_at ? `, next retry ${when(e.next_retry_at)}` : ""}
            {e.last_error ? ` — ${e.last_error}` : ""}
          </li>
        </ol>
      </Section>
      <Section title="Actions">
        {e.actions.length === 0 ? (
          <p class="empty">No action ran.</p>
        ) : (
          <table class="grid">
            <thead>
              <tr>
                <th>Route</th>
                <th>Target</th>
                <th>Status</th>
                <th>Duration</th>
                <th>Result</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {e.actions.map((action) => (
                <tr key={action.id} class="action-row">
                  <td>{routeName(action.route_id)}</td>
                  <td>{action.target_type}</td>
                  <td>
                    <Status status={action.status} />
                  </td>
                  <td class="number">
                    {action.started_at && action.completed_at
                      ? `${Date.parse(action.completed_at) - Date.parse(action.started_at)} ms`
                      : "–"}
                  </td>
                  <td class="mono">
                    {action.workflow_execution_id
                      ? `workflow ${action.workflow_execution_id}`
                      : action.task_execution_id
                        ? `task ${action.task_execution_id}`
                        : action.promise_id
                          ? `promise ${action.promise_id}`
                          : action.response_status !== null
                            ? `HTTP ${action.response_status} in ${action.response_ms} ms`
                            : "–"}
                    {action.response_body ? <pre class="response">{action.response_body}</pre> : null}
                  </td>
                  <td>{action.error_message ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Payload">
        {e.parsed_payload === null ? <p class="empty">Not parsed (see the raw body).</p> : <JsonTree value={e.parsed_payload} />}
      </Section>
      <Section title="Headers">
        <table class="grid headers">
          <tbody>
            {Object.entries(e.headers).map(([name, value]) => (
              <tr key={name}>
                <th>{name}</th>
                <td class={value === REDACTED ? "redacted" : "mono"}>
                  {value === REDACTED ? "redacted (not stored)" : value}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  )
}
