import { existsSync, readdirSync, readFileSync } from "node:fs"
import { extname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { AppConfig } from "../config/AppConfig.ts"

// The dashboard (issue 20) at /ui on the service's port, off when the admin API is off. Its files (built by
// `npm run build` into dist/ui) are read once into memory: a few hundred KB, served without touching the disk.
// Payloads and headers shown there come from strangers, so the page may run only its own script: a strict
// Content-Security-Policy (no inline script or style, no other origin, no framing).

export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2"
}

interface UiFile {
  readonly body: Uint8Array
  readonly contentType: string
}

// dist/ui from wherever this module runs: the sources (src/http/), the service bundle (dist/), the package's
// built library (dist/lib/src/http/).
const CANDIDATES = ["../../dist/ui/", "ui/", "../../../ui/"]

const uiDirectory = (): string | undefined =>
  CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url))).find((dir) =>
    existsSync(join(dir, "index.html"))
  )

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]
  )

const loadUi = (dir: string): ReadonlyMap<string, UiFile> =>
  new Map(
    filesUnder(dir).map((file) => [
      `/ui/${relative(dir, file).split("\\").join("/")}`,
      { body: readFileSync(file), contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }
    ])
  )

// A build running meanwhile (files replaced as they are read) leaves the page unbuilt, never the service down.
const loadUiOrNothing = (dir: string) => {
  try {
    return loadUi(dir)
  } catch {
    return undefined
  }
}

const SECURITY_HEADERS = {
  "content-security-policy": UI_CONTENT_SECURITY_POLICY,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin"
}

const serve = (file: UiFile, cacheControl: string, status = 200) =>
  HttpServerResponse.uint8Array(file.body, {
    status,
    contentType: file.contentType,
    headers: { ...SECURITY_HEADERS, "cache-control": cacheControl }
  })

// Not a 503: that code means the database is away (CONTRACT §3); the page is simply not there.
const notBuilt = HttpServerResponse.jsonUnsafe(
  { error: "not_found", message: "the dashboard is not built: run `npm run build`" },
  { status: 404, headers: SECURITY_HEADERS }
)

const uiRoutes = (files: ReadonlyMap<string, UiFile> | undefined) => {
  const handler = Effect.gen(function* () {
    if (files === undefined) return notBuilt
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = new URL(request.url, "http://ui").pathname
    const index = files.get("/ui/index.html")!
    const asset = files.get(path)
    // Hashed names: a changed file is a new name, so a browser may keep these for good.
    if (asset !== undefined && path.startsWith("/ui/assets/"))
      return serve(asset, "public, max-age=31536000, immutable")
    if (asset !== undefined && path !== "/ui/index.html") return serve(asset, "no-cache")
    if (path.startsWith("/ui/assets/"))
      return HttpServerResponse.jsonUnsafe(
        { error: "not_found", message: "no such dashboard file" },
        { status: 404, headers: SECURITY_HEADERS }
      )
    // Any other path under /ui is the page (it routes by the URL's fragment).
    return serve(index, "no-cache")
  })
  return Layer.mergeAll(HttpRouter.add("GET", "/ui", handler), HttpRouter.add("GET", "/ui/*", handler))
}

/** `GET /ui` and its files; nothing when the admin API is off (no EVENTHOOK_ADMIN_TOKEN). */
export const UiRoute = Layer.unwrap(
  Effect.map(AppConfig, (config) => {
    if (Option.isNone(config.adminToken)) return Layer.empty
    const dir = uiDirectory()
    return uiRoutes(dir === undefined ? undefined : loadUiOrNothing(dir))
  })
)
