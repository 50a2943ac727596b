import { Result } from "effect"
import { VerificationFailed } from "./types.ts"

/**
 * A provider's signed timestamp (unix seconds) checked against `now`: `stale-only` rejects only timestamps older
 * than the tolerance (Stripe, Slack, Paddle); `both` also rejects ones further in the future (Standard Webhooks,
 * Zoom, Linear). Exactly at the tolerance passes, as in the providers' libraries.
 */
export const checkTimestamp = (options: {
  readonly text: string
  readonly header: string
  readonly nowSeconds: number
  readonly toleranceSeconds: number
  readonly direction: "stale-only" | "both"
}): Result.Result<number, VerificationFailed> => {
  if (!/^\d{1,15}$/.test(options.text)) {
    return Result.fail(
      new VerificationFailed({ reason: "malformed_header", detail: `${options.header} is not a unix timestamp` })
    )
  }
  const timestamp = Number(options.text)
  const age = options.nowSeconds - timestamp
  if (age > options.toleranceSeconds) {
    return Result.fail(
      new VerificationFailed({
        reason: "timestamp_out_of_range",
        detail: `${options.header} is ${age}s old, over the ${options.toleranceSeconds}s tolerance`
      })
    )
  }
  if (options.direction === "both" && -age > options.toleranceSeconds) {
    return Result.fail(
      new VerificationFailed({
        reason: "timestamp_out_of_range",
        detail: `${options.header} is ${-age}s in the future, over the ${options.toleranceSeconds}s tolerance`
      })
    )
  }
  return Result.succeed(timestamp)
}
