import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import type { Problem } from "../client.ts"

export const Status = ({ status }: { readonly status: string }) => <span class={`status status-${status}`}>{status}</span>

export const ProblemNote = ({ problem }: { readonly problem: Problem | null }) =>
  problem === null ? null : (
    <p class="problem" role="alert">
      <strong>{problem.error}</strong> {problem.message}
    </p>
  )

/** A button that asks once more before it acts ("Reprocess" → "Reprocess this event? Yes / No"). */
export const ConfirmButton = ({
  label,
  question,
  onConfirm,
  disabled
}: {
  readonly label: string
  readonly question: string
  readonly onConfirm: () => void
  readonly disabled?: boolean
}) => {
  const [asking, setAsking] = useState(false)
  return asking ? (
    <span class="confirm" role="group" aria-label={question}>
      {question}{" "}
      <button
        type="button"
        class="danger"
        onClick={() => {
          setAsking(false)
          onConfirm()
        }}
      >
        Yes, {label.toLowerCase()}
      </button>{" "}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  ) : (
    <button type="button" disabled={disabled === true} onClick={() => setAsking(true)}>
      {label}
    </button>
  )
}

export const Section = ({ title, children }: { readonly title: string; readonly children: ComponentChildren }) => (
  <section>
    <h2>{title}</h2>
    {children}
  </section>
)
