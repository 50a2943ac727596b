// W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): how an event carries the request's
// span to its processing (issue 19). Pure.

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

export const formatTraceParent = (span: {
  readonly traceId: string
  readonly spanId: string
  readonly sampled: boolean
}) => `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

export const parseTraceParent = (
  text: string | null
): { readonly traceId: string; readonly spanId: string; readonly sampled: boolean } | null => {
  const match = text === null ? null : TRACEPARENT.exec(text)
  return match === null
    ? null
    : { traceId: match[1]!, spanId: match[2]!, sampled: (Number.parseInt(match[3]!, 16) & 1) === 1 }
}
