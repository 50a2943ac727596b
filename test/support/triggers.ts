import { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"

/** A BEFORE INSERT trigger on `table` running `body` (PL/pgSQL) for each row, dropped with the scope. */
export const insertTrigger = (table: string, name: string, body: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    yield* sql.unsafe(`
      CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${body}
        RETURN NEW;
      END $$`)
    yield* sql.unsafe(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`)
    yield* Effect.addFinalizer(() =>
      Effect.orDie(
        Effect.andThen(
          sql.unsafe(`DROP TRIGGER IF EXISTS ${name} ON ${table}`),
          sql.unsafe(`DROP FUNCTION IF EXISTS ${name}()`)
        )
      )
    )
  })
