import type { Result } from "effect"
import type { SlackVerifierConfig } from "../domain/VerifierConfig.ts"
import type { RawRequest, VerificationFailed, Verified } from "./types.ts"
import { verifyV0Signature } from "./verifyV0Signature.ts"

// https://api.slack.com/authentication/verifying-requests-from-slack: `X-Slack-Signature: v0=<hex>` over
// `v0:{X-Slack-Request-Timestamp}:{body}`; like @slack/bolt, only a stale timestamp fails.
export const verifySlack = (
  config: SlackVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> =>
  verifyV0Signature({
    config,
    request,
    nowSeconds,
    signatureHeader: "x-slack-signature",
    timestampHeader: "x-slack-request-timestamp",
    toleranceSeconds: config.tolerance_seconds ?? 300,
    direction: "stale-only"
  })
