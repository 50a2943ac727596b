import { Schema } from "effect"
import { VerificationReason } from "../domain/VerificationReason.ts"

/** The request as the provider sent it: exact body bytes and lower-cased header names. */
export interface RawRequest {
  readonly body: Uint8Array
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The URL the provider called, as it knows it (EVENTHOOK_PUBLIC_URL + path and query), when known. */
  readonly url?: string | null
}

/** Which of the config's secrets verified the request (an index, never the secret), when secrets apply. */
export interface Verified {
  readonly secretIndex: number | null
}

export { VerificationReason } from "../domain/VerificationReason.ts"

export class VerificationFailed extends Schema.TaggedError<VerificationFailed>()("VerificationFailed", {
  reason: VerificationReason,
  detail: Schema.String
}) {
  /** The `verification_error` column: `<reason>: <detail>`, never a secret. */
  get description(): string {
    return `${this.reason}: ${this.detail}`
  }
}
