// One destination's circuit (issue 17): after `threshold` consecutive failures no calls go to it for `cooldownMs`;
// then one call probes it, and its result closes the circuit or opens it for another cool-down. Pure: the sender
// keeps one state per destination.

export interface CircuitSettings {
  readonly threshold: number
  readonly cooldownMs: number
}

export interface CircuitState {
  readonly consecutiveFailures: number
  /** While set and in the future, the circuit is open. */
  readonly openUntil: number | null
  /** A probe is out: other calls wait for its result. */
  readonly probing: boolean
}

export const closedCircuit: CircuitState = { consecutiveFailures: 0, openUntil: null, probing: false }

export type Admission =
  | { readonly _tag: "Send"; readonly state: CircuitState }
  | { readonly _tag: "Refuse"; readonly retryInMs: number }

/** Whether a call may go out now; a call after the cool-down is the probe. */
export const admit = (state: CircuitState, nowMs: number, settings: CircuitSettings): Admission => {
  if (state.openUntil === null) return { _tag: "Send", state }
  if (state.probing) return { _tag: "Refuse", retryInMs: settings.cooldownMs }
  if (nowMs < state.openUntil) return { _tag: "Refuse", retryInMs: state.openUntil - nowMs }
  return { _tag: "Send", state: { ...state, probing: true } }
}

/** The state after a call's result: a success closes the circuit, the threshold-th failure (or a failed probe) opens it. */
export const recordResult = (
  state: CircuitState,
  succeeded: boolean,
  nowMs: number,
  settings: CircuitSettings
): CircuitState => {
  if (succeeded) return closedCircuit
  const consecutiveFailures = state.consecutiveFailures + 1
  return consecutiveFailures >= settings.threshold || state.probing
    ? { consecutiveFailures, openUntil: nowMs + settings.cooldownMs, probing: false }
    : { consecutiveFailures, openUntil: null, probing: false }
}
