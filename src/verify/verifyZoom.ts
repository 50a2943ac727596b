import type { Result } from "effect"
import type { ZoomVerifierConfig } from "../domain/VerifierConfig.ts"
import type { RawRequest, VerificationFailed, Verified } from "./types.ts"
import { verifyV0Signature } from "./verifyV0Signature.ts"

// https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events: `x-zm-signature: v0=<hex>` over
// `v0:{x-zm-request-timestamp}:{body}`, keyed by the secret token; five minutes either way.
export const verifyZoom = (
  config: ZoomVerifierConfig,
  request: RawRequest,
  nowSeconds: number
): Result.Result<Verified, VerificationFailed> =>
  verifyV0Signature({
    config,
    request,
    nowSeconds,
    signatureHeader: "x-zm-signature",
    timestampHeader: "x-zm-request-timestamp",
    toleranceSeconds: config.tolerance_seconds ?? 300,
    direction: "both"
  })
