import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 7: every instance caches tenants, sources and routes off the hot path; any change to them — through the
// admin API, the CLI, another instance or plain SQL — notifies channel `eventhook_config`, and the caches drop.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE FUNCTION p_eventhook__notify_config() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('eventhook_config', TG_TABLE_NAME);
      RETURN NULL;
    END $$`
  for (const table of ["tenant", "p_eventhook__source", "p_eventhook__route"]) {
    yield* sql`CREATE TRIGGER ${sql(`${table}_notify_config`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION p_eventhook__notify_config()`
  }
})
