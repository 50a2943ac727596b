import { Schema } from "effect"

/** Why a request did not verify (the 401 body and `verification_error` name it). */
export const VerificationReason = Schema.Literals([
  "missing_header",
  "malformed_header",
  "timestamp_out_of_range",
  "signature_mismatch",
  "credentials_mismatch",
  "invalid_config"
])
export type VerificationReason = typeof VerificationReason.Type
