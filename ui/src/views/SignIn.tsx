import { useState } from "preact/hooks"
import { callApi, type Problem } from "../client.ts"
import { ProblemNote } from "../parts/common.tsx"
import { storeToken } from "../session.ts"

/** Sign-in with the admin token (EVENTHOOK_ADMIN_TOKEN), checked against the API before it is kept. */
export const SignIn = ({ onSignedIn }: { readonly onSignedIn: (token: string) => void }) => {
  const [token, setToken] = useState("")
  const [problem, setProblem] = useState<Problem | null>(null)
  const [busy, setBusy] = useState(false)
  return (
    <main class="sign-in">
      <h1>Eventhook</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          setBusy(true)
          callApi(token, (client) => client.tenants.list()).then(
            () => {
              storeToken(token)
              onSignedIn(token)
            },
            (failure: Problem) => {
              setProblem(failure)
              setBusy(false)
            }
          )
        }}
      >
        <label>
          Admin token
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            value={token}
            onInput={(event) => setToken((event.target as HTMLInputElement).value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p class="hint">Kept for this tab only, sent as a bearer header.</p>
        <ProblemNote problem={problem} />
      </form>
    </main>
  )
}
