import { useState } from "preact/hooks"
import { callApi, type Problem } from "../client.ts"
import { type TenantProps, useApi } from "../hooks.ts"
import { ConfirmButton, ProblemNote } from "../parts/common.tsx"
import { href } from "../router.ts"

type SourceList = Extract<ReturnType<typeof useSources>, { state: "ready" }>["value"]
const useSources = (token: string, tenant: string) =>
  useApi(token, (client) => client.sources.list({ params: { tenant_slug: tenant } }), [tenant])

/** Sources: ingest URLs, presets, enable/disable, secret rotation with the secret mix, the tester. */
export const Sources = ({ token, tenant }: TenantProps) => {
  const sources = useSources(token, tenant)
  const overview = useApi(token, (client) => client.events.overview({ params: { tenant_slug: tenant } }), [tenant])
  const [creating, setCreating] = useState(false)
  if (sources.state === "loading") return <p class="loading">Loading…</p>
  if (sources.state === "failed") return <ProblemNote problem={sources.problem} />
  const mixOf = (slug: string) =>
    overview.state === "ready" ? overview.value.sources.find((source) => source.source === slug)?.verified_by_secret_index : undefined
  return (
    <div class="sources">
      <h1>
        Sources{" "}
        <button type="button" onClick={() => setCreating(!creating)}>
          {creating ? "Close" : "New source"}
        </button>
      </h1>
      {creating && (
        <CreateSource
          token={token}
          tenant={tenant}
          onCreated={() => {
            setCreating(false)
            sources.reload()
          }}
        />
      )}
      {sources.value.length === 0 && <p class="empty">No source yet.</p>}
      {sources.value.map((source) => (
        <SourceCard
          key={source.slug}
          token={token}
          tenant={tenant}
          source={source}
          secretMix={mixOf(source.slug)}
          onChanged={() => {
            sources.reload()
            overview.reload()
          }}
        />
      ))}
    </div>
  )
}

const SourceCard = ({
  token,
  tenant,
  source,
  secretMix,
  onChanged
}: {
  readonly token: string
  readonly tenant: string
  readonly source: SourceList[number]
  readonly secretMix: Readonly<Record<string, number>> | undefined
  readonly onChanged: () => void
}) => {
  const [problem, setProblem] = useState<Problem | null>(null)
  const [copied, setCopied] = useState(false)
  const [panel, setPanel] = useState<"" | "rotate" | "test">("")
  const params = { tenant_slug: tenant, source_slug: source.slug }
  const secrets = (source.verifier_config as { secrets_configured?: number } | null)?.secrets_configured
  return (
    <article class="card source" data-source={source.slug}>
      <header>
        <h2>
          <a href={href(["events"], { source: source.slug })}>{source.slug}</a>
        </h2>
        <span class="muted">{source.verifier_type ?? "no verifier"}</span>
        {!source.is_enabled && <span class="status status-failed">disabled</span>}
        <span class="spacer" />
        <a href={href(["routes"], { source: source.slug })}>Routes</a>
        <button
          type="button"
          onClick={() =>
            callApi(token, (client) =>
              client.sources.update({ params, payload: { is_enabled: !source.is_enabled } })
            ).then(onChanged, setProblem)
          }
        >
          {source.is_enabled ? "Disable" : "Enable"}
        </button>
        <button type="button" onClick={() => setPanel(panel === "rotate" ? "" : "rotate")}>
          Rotate secret
        </button>
        <button type="button" onClick={() => setPanel(panel === "test" ? "" : "test")}>
          Test a request
        </button>
      </header>
      <p class="ingest-url">
        <code>{source.ingest_url}</code>{" "}
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(source.ingest_url)
            setCopied(true)
            setTimeout(() => setCopied(false), 1200)
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </p>
      <p class="secret-mix">
        {secrets === undefined ? "" : `${secrets} secret${secrets === 1 ? "" : "s"} configured. `}
        Verified in the last day:{" "}
        {secretMix === undefined || Object.keys(secretMix).length === 0
          ? "none"
          : Object.entries(secretMix)
              .map(([index, count]) => `secret #${index}: ${count}`)
              .join(", ")}
      </p>
      {panel === "rotate" && (
        <RotateSecret
          token={token}
          params={params}
          onDone={() => {
            setPanel("")
            onChanged()
          }}
        />
      )}
      {panel === "test" && <Tester token={token} params={params} />}
      <ProblemNote problem={problem} />
    </article>
  )
}

const RotateSecret = ({
  token,
  params,
  onDone
}: {
  readonly token: string
  readonly params: { tenant_slug: string; source_slug: string }
  readonly onDone: () => void
}) => {
  const [secret, setSecret] = useState("")
  const [keep, setKeep] = useState(true)
  const [problem, setProblem] = useState<Problem | null>(null)
  return (
    <form class="rotate" onSubmit={(event) => event.preventDefault()}>
      <label>
        New secret
        <input
          type="password"
          name="secret"
          autocomplete="off"
          value={secret}
          onInput={(event) => setSecret((event.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        <input type="checkbox" checked={keep} onChange={(event) => setKeep((event.target as HTMLInputElement).checked)} />{" "}
        keep the current secret valid too (drop it once no request verifies with it)
      </label>
      <ConfirmButton
        label="Rotate"
        question="Rotate the secret now?"
        disabled={secret === ""}
        onConfirm={() =>
          callApi(token, (client) =>
            client.sources.rotateSecret({ params, payload: { secret, keep_previous: keep } })
          ).then(onDone, setProblem)
        }
      />
      <ProblemNote problem={problem} />
    </form>
  )
}

const Tester = ({
  token,
  params
}: {
  readonly token: string
  readonly params: { tenant_slug: string; source_slug: string }
}) => {
  const [headers, setHeaders] = useState("content-type: application/json")
  const [body, setBody] = useState("{}")
  const [report, setReport] = useState<unknown>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const parsedHeaders = () =>
    Object.fromEntries(
      headers
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.includes(":"))
        .map((line) => [line.slice(0, line.indexOf(":")).trim(), line.slice(line.indexOf(":") + 1).trim()])
    )
  return (
    <form
      class="tester"
      onSubmit={(event) => {
        event.preventDefault()
        setProblem(null)
        callApi(token, (client) => client.sources.test({ params, payload: { headers: parsedHeaders(), body } })).then(
          setReport,
          setProblem
        )
      }}
    >
      <label>
        Headers (one per line)
        <textarea rows={4} value={headers} onInput={(event) => setHeaders((event.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Body
        <textarea rows={6} value={body} onInput={(event) => setBody((event.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit">Test</button>
      <ProblemNote problem={problem} />
      {report !== null && <TestReport report={report as Record<string, unknown>} />}
    </form>
  )
}

const TestReport = ({ report }: { readonly report: Record<string, unknown> }) => (
  <dl class="report">
    <dt>Verified</dt>
    <dd class={report.verified ? "good" : "bad"}>
      {report.verified ? `yes (secret #${report.secret_index})` : `no: ${report.verification_error}`}
    </dd>
    {report.parse_error ? (
      <>
        <dt>Parse error</dt>
        <dd class="bad">{String(report.parse_error)}</dd>
      </>
    ) : null}
    <dt>Event type</dt>
    <dd>{String(report.event_type ?? "–")}</dd>
    <dt>Dedupe key</dt>
    <dd>{String(report.idempotency_key ?? "–")}</dd>
    <dt>Matched routes</dt>
    <dd>{(report.matched_routes as Array<string>).join(", ") || "none"}</dd>
    {(report.skipped_routes as Array<{ name: string; reason: string }>).map((skipped) => (
      <>
        <dt>Skipped</dt>
        <dd>
          {skipped.name}: {skipped.reason}
        </dd>
      </>
    ))}
  </dl>
)

/** A new source from a provider preset: the form asks exactly what the preset needs. */
const CreateSource = ({
  token,
  tenant,
  onCreated
}: {
  readonly token: string
  readonly tenant: string
  readonly onCreated: () => void
}) => {
  const providers = useApi(token, (client) => client.sources.providers({ params: { tenant_slug: tenant } }), [tenant])
  const [provider, setProvider] = useState("")
  const [problem, setProblem] = useState<Problem | null>(null)
  if (providers.state !== "ready") return null
  const preset = providers.value.find((p) => p.name === provider)
  return (
    <form
      class="card create-source"
      onSubmit={(event) => {
        event.preventDefault()
        const form = new FormData(event.target as HTMLFormElement)
        const extra = Object.fromEntries(
          (preset?.options ?? [])
            .map((option) => [option.field, String(form.get(option.field) ?? "")])
            .filter(([, value]) => value !== "")
        )
        const secret = String(form.get("secret") ?? "")
        callApi(token, (client) =>
          client.sources.create({
            params: { tenant_slug: tenant },
            payload: {
              slug: String(form.get("slug") ?? ""),
              provider: provider as never,
              ...(secret === "" ? {} : { secret }),
              ...(Object.keys(extra).length === 0 ? {} : { verifier_config: extra })
            }
          })
        ).then(onCreated, setProblem)
      }}
    >
      <label>
        Provider
        <select name="provider" value={provider} onChange={(event) => setProvider((event.target as HTMLSelectElement).value)}>
          <option value="">choose…</option>
          {providers.value.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {preset !== undefined && (
        <>
          <p class="hint">
            {preset.signature} · dedupe by {preset.dedupe} · event type from {preset.event_type}
          </p>
          <label>
            Slug
            <input name="slug" required placeholder={preset.name} />
          </label>
          {preset.secret_field !== "" && (
            <label>
              {preset.secret_field}
              <input name="secret" type="password" autocomplete="off" required />
            </label>
          )}
          {preset.options.map((option) => (
            <label key={option.field}>
              {option.field} {option.required ? "" : "(optional)"}
              <input name={option.field} required={option.required} title={option.about} placeholder={option.about} />
            </label>
          ))}
          <button type="submit">Create</button>
        </>
      )}
      <ProblemNote problem={problem} />
    </form>
  )
}
