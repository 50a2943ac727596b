import { Effect } from "effect"
import { SqlClient } from "effect/sql"

// CONTRACT §4. Forward-only: never edit this file after it has landed; add a new migration instead.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // Reference host tables: what the built-in targets write.
  yield* sql`CREATE TABLE tenant (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE TABLE workflow_execution (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    kind text NOT NULL,
    queue text NOT NULL DEFAULT 'default',
    status text NOT NULL DEFAULT 'PENDING',
    input jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE INDEX workflow_execution_tenant_created ON workflow_execution (tenant_id, created_at DESC)`
  yield* sql`CREATE TABLE task_execution (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    kind text NOT NULL,
    queue text NOT NULL DEFAULT 'default',
    status text NOT NULL DEFAULT 'PENDING',
    input jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE INDEX task_execution_tenant_created ON task_execution (tenant_id, created_at DESC)`
  yield* sql`CREATE TABLE promise (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name text,
    resolved boolean NOT NULL DEFAULT false,
    value jsonb,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
  )`
  yield* sql`CREATE TABLE idempotency_key (
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    key text NOT NULL,
    workflow_execution_id uuid REFERENCES workflow_execution (id) ON DELETE SET NULL,
    task_execution_id uuid REFERENCES task_execution (id) ON DELETE SET NULL,
    promise_id uuid REFERENCES promise (id) ON DELETE SET NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, key)
  )`
  yield* sql`CREATE INDEX idempotency_key_expires ON idempotency_key (expires_at)`

  // Eventhook tables (M1 design).
  yield* sql`CREATE TABLE p_eventhook__source (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name text NOT NULL,
    slug text NOT NULL,
    is_enabled boolean NOT NULL DEFAULT true,
    verifier_type text,
    verifier_config jsonb,
    idempotency_key_paths text[],
    event_type_config jsonb,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, slug),
    CONSTRAINT p_eventhook__source_verifier_type_matches_config
      CHECK (verifier_type IS NOT DISTINCT FROM verifier_config ->> 'type')
  )`
  yield* sql`CREATE TABLE p_eventhook__route (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id uuid NOT NULL REFERENCES p_eventhook__source (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    name text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    is_enabled boolean NOT NULL DEFAULT true,
    target_type text NOT NULL,
    target_config jsonb NOT NULL DEFAULT '{}',
    filter_event_types text[],
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE INDEX p_eventhook__route_source_priority
    ON p_eventhook__route (source_id, priority DESC, created_at, id) WHERE is_enabled`
  yield* sql`CREATE TABLE p_eventhook__event (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    source_id uuid NOT NULL REFERENCES p_eventhook__source (id) ON DELETE CASCADE,
    content_type text,
    raw_payload bytea NOT NULL,
    parsed_payload jsonb,
    headers jsonb NOT NULL DEFAULT '{}',
    event_type text,
    idempotency_key text,
    is_duplicate boolean NOT NULL DEFAULT false,
    duplicate_of uuid,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN
      ('pending', 'processing', 'delivered', 'unrouted', 'failed', 'rejected', 'duplicate')),
    retry_count integer NOT NULL DEFAULT 0,
    max_retries integer NOT NULL DEFAULT 3,
    next_retry_at timestamptz,
    last_error text,
    verified boolean NOT NULL DEFAULT false,
    verification_error text,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    source_ip inet
  )`
  yield* sql`CREATE INDEX p_eventhook__event_tenant_received ON p_eventhook__event (tenant_id, received_at DESC)`
  yield* sql`CREATE INDEX p_eventhook__event_source_received ON p_eventhook__event (source_id, received_at DESC)`
  yield* sql`CREATE INDEX p_eventhook__event_status ON p_eventhook__event (status, received_at)
    WHERE status IN ('pending', 'processing', 'failed', 'rejected')`
  yield* sql`CREATE INDEX p_eventhook__event_retry ON p_eventhook__event (next_retry_at)
    WHERE status = 'failed' AND next_retry_at IS NOT NULL`
  // Deduplication is decided here (CONTRACT §7): one accepted, non-duplicate event per key and source.
  // Rejected requests are not counted, so a forged request cannot take the key of a genuine one.
  yield* sql`CREATE UNIQUE INDEX p_eventhook__event_source_idempotency_key
    ON p_eventhook__event (source_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND NOT is_duplicate AND verified`
  yield* sql`CREATE TABLE p_eventhook__event_action (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id uuid NOT NULL REFERENCES p_eventhook__event (id) ON DELETE CASCADE,
    route_id uuid REFERENCES p_eventhook__route (id) ON DELETE SET NULL,
    target_type text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'success', 'failed', 'skipped')),
    -- text, not uuid: a host application's own targets may identify executions any way they like.
    workflow_execution_id text,
    task_execution_id text,
    promise_id text,
    error_message text,
    started_at timestamptz,
    completed_at timestamptz
  )`
  yield* sql`CREATE INDEX p_eventhook__event_action_event ON p_eventhook__event_action (event_id)`
})
