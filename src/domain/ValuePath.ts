import { Schema } from "effect"

// CONTRACT §6: `header.<name>` (case-insensitive) or `body.<dot.path>` (numeric segments index arrays).
export const ValuePath = Schema.String.check(
  Schema.isPattern(/^(header\.[!#$%&'*+\-.^_`|~0-9A-Za-z]+|body(\.[^.]+)+)$/, {
    message: "must be header.<name> or body.<dot.path>"
  })
)
export type ValuePath = typeof ValuePath.Type
