import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// Issue 22: the reference host's `idempotency_key` loses its four foreign keys (to its tenant, and to the execution
// or promise it names); triggers keep what they did on delete. Every launch at ingest writes a key beside its
// execution, and two of the keys were checked for each such row. Alternated at c=16 on the embedded PostgreSQL (two
// runs, 15 rounds), without them PostgreSQL's CPU per event fell 10–16 % and ingest acked more in 11 of the rounds;
// without either one alone, no better than with both. Only Eventhook's own statements write a key, always with its
// execution or promise, so the checks only ever found what they looked for. CONTRACT §4 declares these columns
// without foreign keys (the execution and promise tables keep theirs, to `tenant`).
//
// On delete, as before: a tenant's keys go with it; a deleted execution or promise leaves its key naming none. Per
// statement, not per row: a foreign key's `ON DELETE SET NULL` scanned the whole key table for every deleted row
// (no index leads with those columns).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE idempotency_key
    DROP CONSTRAINT IF EXISTS idempotency_key_tenant_id_fkey,
    DROP CONSTRAINT IF EXISTS idempotency_key_workflow_execution_id_fkey,
    DROP CONSTRAINT IF EXISTS idempotency_key_task_execution_id_fkey,
    DROP CONSTRAINT IF EXISTS idempotency_key_promise_id_fkey`
  yield* sql`CREATE FUNCTION p_eventhook__delete_tenant_keys() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM idempotency_key WHERE tenant_id IN (SELECT id FROM deleted);
      RETURN NULL;
    END $$`
  yield* sql`CREATE TRIGGER p_eventhook__delete_tenant_keys
    AFTER DELETE ON tenant REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION p_eventhook__delete_tenant_keys()`
  for (const [table, column] of [
    ["workflow_execution", "workflow_execution_id"],
    ["task_execution", "task_execution_id"],
    ["promise", "promise_id"]
  ] as const) {
    const name = `p_eventhook__unlink_${table}_keys`
    // Identifiers from the list above, not from input.
    yield* sql.unsafe(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE idempotency_key SET ${column} = NULL WHERE ${column} IN (SELECT id FROM deleted);
        RETURN NULL;
      END $$`)
    yield* sql.unsafe(`CREATE TRIGGER ${name}
      AFTER DELETE ON ${table} REFERENCING OLD TABLE AS deleted
      FOR EACH STATEMENT EXECUTE FUNCTION ${name}()`)
  }
})
