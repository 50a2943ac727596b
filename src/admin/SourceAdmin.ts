import { Clock, Context, Effect, Layer, Option, Result } from "effect"
import { AppConfig } from "../config/AppConfig.ts"
import { ingestPath, publicIngestUrl } from "../domain/ingestUrl.ts"
import {
  type ConflictResponse,
  conflict,
  type InvalidRequestResponse,
  invalidRequest,
  type NotFoundResponse,
  notFound
} from "../domain/operatorErrors.ts"
import type { SourceRecord } from "../domain/Source.ts"
import type { Tenant } from "../domain/Tenant.ts"
import { decodeVerifierConfig } from "../domain/VerifierConfig.ts"
import { inspectRequest } from "../ingest/inspectRequest.ts"
import { selectRoutes } from "../routing/matchRoutes.ts"
import { RouteRepo } from "../store/RouteRepo.ts"
import { SourceRepo } from "../store/SourceRepo.ts"
import { decodeSignature } from "../verify/hmac.ts"
import { fieldFirst, type RotateSecret, type SourceCreate, type SourceTest, type SourceUpdate } from "./inputs.ts"
import { providerNamed } from "./providers.ts"
import { TenantAdmin } from "./TenantAdmin.ts"
import { keepOmittedSecrets, rotateSecret } from "./verifierSecrets.ts"
import { type SourceView, sourceView } from "./views.ts"

/** What `POST …/sources/{slug}/test` says about a sample request. */
export interface SourceTestReport {
  readonly verified: boolean
  /** Why it does not verify: `<reason>: <detail>` as `verification_error` would say. */
  readonly verification_error: string | null
  readonly secret_index: number | null
  readonly parse_error: string | null
  readonly event_type: string | null
  readonly idempotency_key: string | null
  /** Names of the enabled routes the event would run. */
  readonly matched_routes: ReadonlyArray<string>
  /** Routes whose filter could not decide on it (no match; a `skipped` action when live), with the reason. */
  readonly skipped_routes: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

type AdminError = InvalidRequestResponse | NotFoundResponse

/** Sources as operators manage them (issue 6): validated at write time, secrets write-only. */
export class SourceAdmin extends Context.Service<
  SourceAdmin,
  {
    readonly list: (tenant: string) => Effect.Effect<ReadonlyArray<SourceView>, NotFoundResponse>
    readonly create: (tenant: string, input: SourceCreate) => Effect.Effect<SourceView, AdminError | ConflictResponse>
    readonly get: (tenant: string, slug: string) => Effect.Effect<SourceView, NotFoundResponse>
    readonly update: (tenant: string, slug: string, input: SourceUpdate) => Effect.Effect<SourceView, AdminError>
    /** Refuses (409) while the source has events, unless `deleteEvents`: they would go with it. */
    readonly remove: (
      tenant: string,
      slug: string,
      options: { readonly deleteEvents: boolean }
    ) => Effect.Effect<void, NotFoundResponse | ConflictResponse>
    readonly rotateSecret: (tenant: string, slug: string, input: RotateSecret) => Effect.Effect<SourceView, AdminError>
    readonly test: (tenant: string, slug: string, input: SourceTest) => Effect.Effect<SourceTestReport, AdminError>
  }
>()("eventhook/admin/SourceAdmin") {
  static readonly layer = Layer.effect(
    SourceAdmin,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const tenants = yield* TenantAdmin
      const sources = yield* SourceRepo
      const routes = yield* RouteRepo

      const publicUrl = Option.getOrNull(config.publicUrl)
      // Shown to operators: where to point the provider; this service's own address when no public URL is set.
      const listening = `http://${config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host}:${config.port}`
      const view = (tenant: Tenant, source: SourceRecord) => {
        const path = ingestPath(tenant.slug, source.slug)
        return sourceView(source, publicIngestUrl(publicUrl, path) ?? `${listening}${path}`)
      }

      const find = Effect.fn("SourceAdmin.find")(function* (tenantSlug: string, slug: string) {
        const tenant = yield* tenants.require(tenantSlug)
        const source = yield* sources.findBySlug(tenant.id, slug)
        if (Option.isNone(source)) return yield* notFound(`source "${slug}" not found in tenant "${tenantSlug}"`)
        return { tenant, source: source.value }
      })
      // Slugs never change, so a written source is read back by its slug.
      const reload = (tenant: Tenant, slug: string) =>
        Effect.map(sources.findBySlug(tenant.id, slug), (record) => view(tenant, Option.getOrThrow(record)))

      /** A verifier config that does not decode is refused here, so a source never fails closed by mistake. */
      const checkVerifier = (verifierConfig: unknown) => {
        const decoded = decodeVerifierConfig(
          (verifierConfig as { readonly type?: unknown } | null)?.type === undefined
            ? null
            : String((verifierConfig as { readonly type: unknown }).type),
          verifierConfig
        )
        return Result.isFailure(decoded)
          ? Effect.fail(invalidRequest(fieldFirst(decoded.failure, "verifier_config")))
          : Effect.succeed(verifierConfig)
      }

      const create = Effect.fn("SourceAdmin.create")(function* (tenantSlug: string, source: SourceCreate) {
        const tenant = yield* tenants.require(tenantSlug)
        if (source.provider === undefined && source.secret !== undefined)
          return yield* invalidRequest("secret: is taken with `provider`; otherwise put it in verifier_config")
        if (source.provider === undefined && source.verifier_config === undefined)
          return yield* invalidRequest('verifier_config: required without `provider` (use {"type":"none"} for none)')
        const preset = source.provider === undefined ? undefined : providerNamed(source.provider)
        const verifierConfig =
          preset === undefined
            ? source.verifier_config
            : {
                ...source.verifier_config,
                type: preset.verifier_type,
                ...(source.secret === undefined ? {} : { [preset.secret_field]: source.secret })
              }
        yield* checkVerifier(verifierConfig)
        const id = yield* sources
          .insert({
            tenant_id: tenant.id,
            slug: source.slug,
            name: source.name ?? source.slug,
            description: source.description ?? null,
            is_enabled: source.is_enabled ?? true,
            verifier_config: verifierConfig,
            idempotency_key_paths: source.idempotency_key_paths ?? null,
            event_type_config: source.event_type_config ?? null,
            rate_limit_per_second: source.rate_limit_per_second ?? null,
            rate_limit_burst: source.rate_limit_burst ?? null
          })
          .pipe(
            Effect.catchTag("SlugTaken", () =>
              Effect.fail(conflict(`source "${source.slug}" already exists in tenant "${tenantSlug}"`))
            )
          )
        yield* Effect.logInfo("source created").pipe(Effect.annotateLogs({ source_id: id, tenant_id: tenant.id }))
        return yield* reload(tenant, source.slug)
      })

      const update = Effect.fn("SourceAdmin.update")(function* (
        tenantSlug: string,
        slug: string,
        changes: SourceUpdate
      ) {
        const { tenant, source } = yield* find(tenantSlug, slug)
        const verifierConfig =
          changes.verifier_config === undefined
            ? undefined
            : keepOmittedSecrets(source.verifier_config, changes.verifier_config)
        if (verifierConfig !== undefined) yield* checkVerifier(verifierConfig)
        yield* sources.update(source.id, {
          ...changes,
          ...(verifierConfig === undefined ? {} : { verifier_config: verifierConfig })
        })
        yield* Effect.logInfo("source updated").pipe(Effect.annotateLogs({ source_id: source.id }))
        return yield* reload(tenant, source.slug)
      })

      const remove = Effect.fn("SourceAdmin.remove")(function* (
        tenantSlug: string,
        slug: string,
        options: { readonly deleteEvents: boolean }
      ) {
        const { source } = yield* find(tenantSlug, slug)
        const events = yield* sources.countEvents(source.id)
        if (events > 0 && !options.deleteEvents)
          return yield* conflict(
            `source "${slug}" has ${events} stored events, which would be deleted with it: disable it instead, or pass delete_events=true`
          )
        yield* sources.remove(source.id)
        yield* Effect.logInfo("source deleted").pipe(Effect.annotateLogs({ source_id: source.id, events }))
      })

      const rotate = Effect.fn("SourceAdmin.rotateSecret")(function* (
        tenantSlug: string,
        slug: string,
        request: RotateSecret
      ) {
        const { tenant, source } = yield* find(tenantSlug, slug)
        const rotated = rotateSecret(source.verifier_config, request.secret, request.keep_previous)
        if (Result.isFailure(rotated)) return yield* invalidRequest(`secret: ${rotated.failure}`)
        yield* checkVerifier(rotated.success)
        yield* sources.setVerifierConfig(source.id, rotated.success)
        yield* Effect.logInfo("source secret rotated").pipe(Effect.annotateLogs({ source_id: source.id }))
        return yield* reload(tenant, source.slug)
      })

      const test = Effect.fn("SourceAdmin.test")(function* (tenantSlug: string, slug: string, sample: SourceTest) {
        const { tenant, source } = yield* find(tenantSlug, slug)
        if (sample.body !== undefined && sample.body_base64 !== undefined)
          return yield* invalidRequest("body: give `body` or `body_base64`, not both")
        const body =
          sample.body_base64 === undefined
            ? new TextEncoder().encode(sample.body ?? "")
            : decodeSignature(sample.body_base64, "base64")
        if (body === undefined) return yield* invalidRequest("body_base64: is not valid base64")
        // A sample pasted without its Content-Type is taken as JSON, what nearly every provider sends.
        const headers = {
          "content-type": "application/json",
          ...Object.fromEntries(
            Object.entries(sample.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])
          )
        }
        // The URL as live ingest would know it, unless the sample says which one the provider called.
        const url = sample.url ?? publicIngestUrl(publicUrl, ingestPath(tenant.slug, source.slug))
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const inspection = inspectRequest(source, { body, headers, url }, now)
        if (inspection._tag === "Rejected")
          return {
            verified: false,
            verification_error: inspection.failure.description,
            secret_index: null,
            parse_error: null,
            event_type: null,
            idempotency_key: null,
            matched_routes: [],
            skipped_routes: []
          } satisfies SourceTestReport
        if (inspection._tag === "Invalid")
          return {
            verified: true,
            verification_error: null,
            secret_index: inspection.secretIndex,
            parse_error: inspection.reason,
            event_type: null,
            idempotency_key: null,
            matched_routes: [],
            skipped_routes: []
          } satisfies SourceTestReport
        const eventType = inspection.interpreted.event_type
        // The routes it would take, filters included; a filter that cannot decide is shown with its reason.
        const selected = selectRoutes(yield* routes.listEnabled(source.id), {
          parsed_payload: inspection.interpreted.parsed_payload,
          headers,
          event_type: eventType,
          received_at: new Date(now * 1000)
        })
        return {
          verified: true,
          verification_error: null,
          secret_index: inspection.secretIndex,
          parse_error: null,
          event_type: eventType,
          idempotency_key: inspection.interpreted.idempotency_key,
          matched_routes: selected.matched.map((route) => route.name),
          skipped_routes: selected.skipped.map(({ route, reason }) => ({ name: route.name, reason }))
        } satisfies SourceTestReport
      })

      return SourceAdmin.of({
        list: Effect.fn("SourceAdmin.list")(function* (tenantSlug: string) {
          const tenant = yield* tenants.require(tenantSlug)
          return (yield* sources.listForTenant(tenant.id)).map((source) => view(tenant, source))
        }),
        create,
        get: Effect.fn("SourceAdmin.get")(function* (tenantSlug: string, slug: string) {
          const { tenant, source } = yield* find(tenantSlug, slug)
          return view(tenant, source)
        }),
        update,
        remove,
        rotateSecret: rotate,
        test
      })
    })
  )
}
