import { useEffect, useState } from "preact/hooks"
import { type Client, callApi, type Problem } from "../client.ts"
import { ago, bytes } from "../format.ts"
import { type QueryProps, useApi } from "../hooks.ts"
import { type LiveEvent, followEvents } from "../live.ts"
import { ConfirmButton, ProblemNote, Status } from "../parts/common.tsx"
import { href, navigate } from "../router.ts"

type ListQuery = Parameters<Client["events"]["list"]>[0]["query"]

const STATUSES = ["", "pending", "processing", "delivered", "unrouted", "failed", "rejected", "duplicate"]
const FIELDS = ["source", "status", "event_type", "since", "until", "payload_contains", "payload_path", "payload_value"]

interface Row {
  readonly id: string
  readonly source: string
  readonly event_type: string | null
  readonly status: string
  readonly received_at: string
  readonly size_bytes?: number
  readonly live?: boolean
}

const fromQuery = (query: URLSearchParams) =>
  Object.fromEntries(FIELDS.flatMap((field) => (query.get(field) ? [[field, query.get(field)!]] : []))) as Record<
    string,
    string
  >

// <input type="datetime-local"> speaks local time without a zone; the API speaks ISO 8601.
const toIso = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined)
const toLocal = (iso: string | undefined) => {
  if (!iso) return ""
  const date = new Date(iso)
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}

/** The request log: newest first, paged, filtered, searchable by payload, and live. */
export const Events = ({ token, tenant, query }: QueryProps) => {
  const filter = fromQuery(query)
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const [live, setLive] = useState(query.get("live") === "1")
  const [liveRows, setLiveRows] = useState<ReadonlyArray<Row>>([])
  const [liveState, setLiveState] = useState("")
  const key = JSON.stringify(filter)
  const page = useApi(
    token,
    (client) =>
      client.events.list({
        params: { tenant_slug: tenant },
        query: { ...(filter as ListQuery), ...(cursor === undefined ? {} : { cursor }), limit: 50 }
      }),
    [tenant, key, cursor]
  )
  const sources = useApi(token, (client) => client.sources.list({ params: { tenant_slug: tenant } }), [tenant])

  useEffect(() => {
    setLiveRows([])
    if (!live) return
    return followEvents(
      token,
      tenant,
      { source: filter.source },
      (event: LiveEvent) =>
        setLiveRows((rows) => (rows.some((row) => row.id === event.id) ? rows : [{ ...event, live: true }, ...rows].slice(0, 500))),
      setLiveState
    )
  }, [token, tenant, live, filter.source])

  const rows: ReadonlyArray<Row> = [
    ...liveRows,
    ...(page.state === "ready" ? page.value.events.filter((event) => !liveRows.some((row) => row.id === event.id)) : [])
  ]
  return (
    <div class="events">
      <h1>Events</h1>
      <form
        key={key}
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          const form = new FormData(event.target as HTMLFormElement)
          const values = Object.fromEntries(FIELDS.map((field) => [field, String(form.get(field) ?? "")]))
          setCursor(undefined)
          navigate(["events"], {
            ...values,
            since: toIso(values.since),
            until: toIso(values.until),
            live: live ? "1" : undefined
          })
        }}
      >
        <label>
          Source
          <select name="source">
            <option value="">any</option>
            {sources.state === "ready" &&
              sources.value.map((source) => (
                <option key={source.slug} value={source.slug} selected={source.slug === filter.source}>
                  {source.slug}
                </option>
              ))}
          </select>
        </label>
        <label>
          Status
          <select name="status">
            {STATUSES.map((status) => (
              <option key={status} value={status} selected={status === (filter.status ?? "")}>
                {status === "" ? "any" : status}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event type
          <input name="event_type" defaultValue={filter.event_type ?? ""} placeholder="push" />
        </label>
        <label>
          Since
          <input type="datetime-local" name="since" defaultValue={toLocal(filter.since)} />
        </label>
        <label>
          Until
          <input type="datetime-local" name="until" defaultValue={toLocal(filter.until)} />
        </label>
        <details class="payload-search" open={filter.payload_contains !== undefined || filter.payload_path !== undefined}>
          <summary>Payload search</summary>
          <label>
            Contains (JSON)
            <input
              name="payload_contains"
              defaultValue={filter.payload_contains ?? ""}
              placeholder='{"data":{"object":{"customer":"cus_123"}}}'
            />
          </label>
          <label>
            or path
            <input name="payload_path" defaultValue={filter.payload_path ?? ""} placeholder="body.data.object.customer" />
          </label>
          <label>
            = value
            <input name="payload_value" defaultValue={filter.payload_value ?? ""} placeholder="cus_123" />
          </label>
          <p class="hint">A payload search needs “Since”: it reads only that time range.</p>
        </details>
        <button type="submit">Search</button>
        <label class="live">
          <input
            type="checkbox"
            name="live"
            checked={live}
            onChange={(event) => setLive((event.target as HTMLInputElement).checked)}
          />{" "}
          Live {live && <span class={`live-state ${liveState}`}>{liveState || "connecting"}</span>}
        </label>
      </form>
      {page.state === "failed" && <ProblemNote problem={page.problem} />}
      <BulkReprocess token={token} tenant={tenant} filter={filter} onDone={page.reload} />
      <table class="grid event-list">
        <thead>
          <tr>
            <th>Received</th>
            <th>Source</th>
            <th>Event type</th>
            <th>Status</th>
            <th>Size</th>
            <th>Id</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} class={row.live ? "live-row" : ""} data-event-id={row.id}>
              <td title={row.received_at}>{ago(row.received_at)}</td>
              <td>{row.source}</td>
              <td>{row.event_type ?? "–"}</td>
              <td>
                <Status status={row.status} />
              </td>
              <td class="number">{row.size_bytes === undefined ? "" : bytes(row.size_bytes)}</td>
              <td>
                <a href={href(["events", row.id])} class="mono">
                  {row.id}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.state === "loading" && <p class="loading">Loading…</p>}
      {page.state === "ready" && rows.length === 0 && <p class="empty">No events match.</p>}
      <p class="pager">
        {cursor !== undefined && (
          <button type="button" onClick={() => setCursor(undefined)}>
            Newest
          </button>
        )}{" "}
        {page.state === "ready" && page.value.next_cursor !== null && (
          <button type="button" onClick={() => setCursor(page.value.next_cursor ?? undefined)}>
            Older
          </button>
        )}
      </p>
    </div>
  )
}

/** Reprocess what the filter shows (failed or unrouted), with a count first. */
const BulkReprocess = ({
  token,
  tenant,
  filter,
  onDone
}: {
  readonly token: string
  readonly tenant: string
  readonly filter: Record<string, string>
  readonly onDone: () => void
}) => {
  const [count, setCount] = useState<number | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const status: "failed" | "unrouted" | undefined =
    filter.status === "failed" || filter.status === "unrouted" ? filter.status : undefined
  const request = {
    filter: {
      ...(filter.source ? { source: filter.source } : {}),
      ...(status ? { status } : {}),
      ...(filter.event_type ? { event_type: filter.event_type } : {}),
      ...(filter.since ? { since: filter.since } : {}),
      ...(filter.until ? { until: filter.until } : {})
    },
    limit: 1000
  }
  const params = { tenant_slug: tenant }
  return (
    <div class="bulk">
      <button
        type="button"
        onClick={() => {
          setDone(null)
          setProblem(null)
          callApi(token, (client) => client.events.reprocessPreview({ params, payload: request })).then(
            (answer) => setCount(answer.count),
            setProblem
          )
        }}
      >
        Reprocess matching…
      </button>
      {count !== null && (
        <span class="preview">
          {count === 0 ? (
            "No failed or unrouted event matches."
          ) : (
            <ConfirmButton
              label={`Reprocess ${count}`}
              question={`Reprocess ${count} failed or unrouted event${count === 1 ? "" : "s"}${count === 1000 ? " (at most 1,000 at a time)" : ""}?`}
              onConfirm={() =>
                callApi(token, (client) => client.events.reprocess({ params, payload: request })).then((answer) => {
                  setCount(null)
                  setDone(`${answer.reprocessed} events reprocessed`)
                  onDone()
                }, setProblem)
              }
            />
          )}
        </span>
      )}
      {done !== null && <span class="done">{done}</span>}
      <ProblemNote problem={problem} />
    </div>
  )
}
