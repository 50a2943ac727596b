// Statistics of a run: percentiles, medians, spreads.

export const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
/** The middle one by `value` (the lower of the two middle ones for an even count). */
export const medianBy = <A>(items: ReadonlyArray<A>, value: (item: A) => number): A =>
  [...items].sort((a, b) => value(a) - value(b))[Math.floor((items.length - 1) / 2)]!
export const spread = (values: ReadonlyArray<number>) => ({
  median: medianBy(values, (x) => x),
  min: Math.min(...values),
  max: Math.max(...values)
})
export const latencySummary = (samples: ReadonlyArray<number>) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    p50_ms: round(percentile(sorted, 50), 2),
    p99_ms: round(percentile(sorted, 99), 2),
    p999_ms: round(percentile(sorted, 99.9), 2),
    max_ms: round(sorted.at(-1) ?? Number.NaN, 2)
  }
}
