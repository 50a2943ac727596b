// How the CLI prints for people: aligned columns, `-` for nothing. `--json` prints the admin API's JSON instead.

const cell = (value: unknown): string =>
  value === null || value === undefined
    ? "-"
    : Array.isArray(value)
      ? value.length === 0
        ? "-"
        : value.join(",")
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value)

/** Rows as a table with a header line; columns are the keys to show, in order. */
export const table = <Row extends object>(
  rows: ReadonlyArray<Row>,
  columns: ReadonlyArray<keyof Row & string>
): string => {
  if (rows.length === 0) return "(none)"
  const cells = rows.map((row) => columns.map((column) => cell((row as Record<string, unknown>)[column])))
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index]!.length)))
  const line = (values: ReadonlyArray<string>) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join("  ")
      .trimEnd()
  return [line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join("\n")
}

/** One record as `key: value` lines. */
export const details = (record: Record<string, unknown>): string => {
  const width = Math.max(...Object.keys(record).map((key) => key.length))
  return Object.entries(record)
    .map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${cell(value)}`)
    .join("\n")
}

export const json = (value: unknown): string => JSON.stringify(value, null, 2)
