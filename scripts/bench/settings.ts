// The bench's settings (environment, defaults) and the webhook's secret.

export const positiveIntegerFrom = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`)
  return value
}
export const SECONDS = positiveIntegerFrom("BENCH_SECONDS", 5)
export const WARMUP_SECONDS = 1
// 32 is the concurrency issue 22 measured its "before" at (0.59× the peer).
export const CONCURRENCY = [16, 32, 64]
export const REPEATS = positiveIntegerFrom("BENCH_REPEATS", 3)
export const CONSTANT_RATE = 1000
export const END_TO_END_RATE = 500
export const RECOVERY_EVENTS = 20_000
export const BURST_EVENTS = 20_000
export const SECRET = "bench-github-secret"
