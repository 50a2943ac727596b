// A rate over time as a picture: bars drawn as SVG from numbers only.

export const RateChart = ({
  values,
  bucketSeconds,
  label
}: {
  readonly values: ReadonlyArray<number>
  readonly bucketSeconds: number
  readonly label: string
}) => {
  const width = values.length * 10
  const height = 100
  const max = Math.max(1, ...values)
  const total = values.reduce((sum, value) => sum + value, 0)
  return (
    <figure class="chart">
      <figcaption>
        <strong>{label}</strong>
        <span class="muted">
          {total} in 24 h · peak {max} per {bucketSeconds / 60} min
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${label}: rate over 24 h`}>
        {values.map((value, index) =>
          value === 0 ? null : (
            <rect
              key={String(index)}
              x={index * 10 + 1}
              y={height - (value / max) * height}
              width={8}
              height={(value / max) * height}
              class="bar"
            >
              <title>{`${value} in the ${bucketSeconds / 60} min ending ${Math.round(((values.length - 1 - index) * bucketSeconds) / 60)} min ago`}</title>
            </rect>
          )
        )}
      </svg>
      <div class="ticks">
        <span>24 h ago</span>
        <span>12 h ago</span>
        <span>now</span>
      </div>
    </figure>
  )
}
