import { duration } from "../format.ts"
import { type TenantProps, useApi } from "../hooks.ts"
import { RateChart } from "../parts/Chart.tsx"
import { ProblemNote } from "../parts/common.tsx"
import { href } from "../router.ts"

const COUNTS = [
  ["accepted", "accepted"],
  ["rejected", "rejected"],
  ["duplicates", "duplicates"],
  ["failed", "failed"],
  ["unrouted", "unrouted"]
] as const

/** Per source over the last hour and day: outcomes, rejections by reason, backlog, and the rate as a chart. */
export const Overview = ({ token, tenant }: TenantProps) => {
  const overview = useApi(token, (client) => client.events.overview({ params: { tenant_slug: tenant } }), [tenant])
  if (overview.state === "loading") return <p class="loading">Loading…</p>
  if (overview.state === "failed") return <ProblemNote problem={overview.problem} />
  const { sources, bucket_seconds } = overview.value
  const total = sources[0]?.rate.map((_, index) => sources.reduce((sum, source) => sum + (source.rate[index] ?? 0), 0))
  return (
    <div class="overview">
      <h1>Overview</h1>
      {total !== undefined && <RateChart values={total} bucketSeconds={bucket_seconds} label="Requests, every source" />}
      <table class="grid">
        <thead>
          <tr>
            <th>Source</th>
            <th />
            {COUNTS.map(([, label]) => (
              <th key={label}>{label}</th>
            ))}
            <th>rejected by reason (day)</th>
            <th>backlog</th>
            <th>oldest pending</th>
          </tr>
        </thead>
        <tbody>
          {sources.flatMap((source) =>
            (["hour", "day"] as const).map((window) => (
              <tr key={`${source.source}-${window}`} class={window}>
                {window === "hour" ? (
                  <th rowSpan={2}>
                    <a href={href(["events"], { source: source.source })}>{source.source}</a>
                    {!source.is_enabled && <span class="muted"> (disabled)</span>}
                  </th>
                ) : null}
                <td class="muted">{window === "hour" ? "last hour" : "last day"}</td>
                {COUNTS.map(([key]) => (
                  <td key={key} class={`number ${source[window][key] > 0 ? key : ""}`}>
                    {source[window][key] > 0 && (key === "failed" || key === "unrouted" || key === "rejected") ? (
                      <a href={href(["events"], { source: source.source, status: key })}>
                        {source[window][key]}
                      </a>
                    ) : (
                      source[window][key]
                    )}
                  </td>
                ))}
                {window === "hour" ? (
                  <>
                    <td rowSpan={2}>
                      {Object.entries(source.rejected_by_reason).map(([reason, count]) => (
                        <div key={reason}>
                          {reason}: {count}
                        </div>
                      ))}
                    </td>
                    <td rowSpan={2} class="number">
                      {source.backlog}
                    </td>
                    <td rowSpan={2} class="number">
                      {duration(source.oldest_pending_seconds)}
                    </td>
                  </>
                ) : null}
              </tr>
            ))
          )}
        </tbody>
      </table>
      <div class="charts">
        {sources
          .filter((source) => source.day.received > 0)
          .map((source) => (
            <RateChart key={source.source} values={source.rate} bucketSeconds={bucket_seconds} label={source.source} />
          ))}
      </div>
    </div>
  )
}
