import { useState } from "preact/hooks"
import { useApi } from "./hooks.ts"
import { ProblemNote } from "./parts/common.tsx"
import { href, useLocation } from "./router.ts"
import { signOut, storedTenant, storedToken, storeTenant } from "./session.ts"
import { EventDetail } from "./views/EventDetail.tsx"
import { Events } from "./views/Events.tsx"
import { Overview } from "./views/Overview.tsx"
import { Routes } from "./views/Routes.tsx"
import { SignIn } from "./views/SignIn.tsx"
import { Sources } from "./views/Sources.tsx"

const SECTIONS = [
  ["overview", "Overview"],
  ["events", "Events"],
  ["sources", "Sources"],
  ["routes", "Routes"]
] as const

export const App = () => {
  const [token, setToken] = useState(storedToken)
  if (token === null) return <SignIn onSignedIn={setToken} />
  return (
    <Signed
      token={token}
      onSignOut={() => {
        signOut()
        setToken(null)
      }}
    />
  )
}

const Signed = ({ token, onSignOut }: { readonly token: string; readonly onSignOut: () => void }) => {
  const location = useLocation()
  const tenants = useApi(token, (client) => client.tenants.list(), [])
  const [tenant, setTenant] = useState(storedTenant)
  // The tab's tenant is shown at once (no wait for the list); once the list is in, an unknown one gives way.
  const chosen =
    tenants.state === "ready"
      ? (tenants.value.find((t) => t.slug === tenant) ?? tenants.value[0])
      : tenant === null
        ? undefined
        : { slug: tenant }
  const section = location.path[0] ?? "overview"
  return (
    <div class="layout">
      <header>
        <a class="brand" href={href(["overview"])}>
          Eventhook
        </a>
        <nav>
          {SECTIONS.map(([path, label]) => (
            <a key={path} href={href([path])} class={section === path ? "active" : ""}>
              {label}
            </a>
          ))}
        </nav>
        <label class="tenant">
          Tenant{" "}
          <select
            value={chosen?.slug ?? ""}
            onChange={(event) => {
              const slug = (event.target as HTMLSelectElement).value
              storeTenant(slug)
              setTenant(slug)
            }}
          >
            {tenants.state === "ready" &&
              tenants.value.map((t) => (
                <option key={t.slug} value={t.slug}>
                  {t.slug}
                </option>
              ))}
          </select>
        </label>
        <button type="button" class="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {tenants.state === "failed" && <ProblemNote problem={tenants.problem} />}
        {tenants.state === "ready" && chosen === undefined && (
          <p class="empty">No tenant yet: create one with `eventhook tenant create` or POST /api/eventhook/tenants.</p>
        )}
        {chosen !== undefined && <Page token={token} tenant={chosen.slug} section={section} location={location} />}
      </main>
    </div>
  )
}

const Page = ({
  token,
  tenant,
  section,
  location
}: {
  readonly token: string
  readonly tenant: string
  readonly section: string
  readonly location: ReturnType<typeof useLocation>
}) => {
  switch (section) {
    case "events":
      return location.path[1] === undefined ? (
        <Events token={token} tenant={tenant} query={location.query} />
      ) : (
        <EventDetail key={location.path[1]} token={token} tenant={tenant} id={location.path[1]} />
      )
    case "sources":
      return <Sources token={token} tenant={tenant} />
    case "routes":
      return <Routes token={token} tenant={tenant} query={location.query} />
    default:
      return <Overview token={token} tenant={tenant} />
  }
}
