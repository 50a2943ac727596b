import { PgTypes } from "@effect/sql-pg"
import { Result } from "effect"

// A batch is written as one typed array per column, read back with `unnest`. The statement's text is then the same
// for every batch size, so each connection parses and plans it once and later batches send only their values; a
// multi-row VALUES list was a new statement for every size, parsed, planned and cached anew (issue 7).

const arrayOf =
  <A>(elementOid: number) =>
  (values: ReadonlyArray<A | null | undefined>): PgTypes.Parameter =>
    Result.getOrThrow(
      PgTypes.array(
        values.map((value) => value ?? null),
        elementOid
      )
    )

export const uuidArray = arrayOf<string>(PgTypes.OID.uuid)
export const textArray = arrayOf<string>(PgTypes.OID.text)
export const byteaArray = arrayOf<Uint8Array>(PgTypes.OID.bytea)
/** SQL NULL for `null` and `undefined`: a JSON `null` is not stored as a jsonb value. */
export const jsonbArray = arrayOf<unknown>(PgTypes.OID.jsonb)
export const int4Array = arrayOf<number>(PgTypes.OID.int4)
export const float8Array = arrayOf<number>(PgTypes.OID.float8)
export const boolArray = arrayOf<boolean>(PgTypes.OID.bool)
export const timestamptzArray = arrayOf<Date>(PgTypes.OID.timestamptz)
