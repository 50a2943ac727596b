// Issue 19: LOG_FORMAT=json as an operator runs it (the service as a child process, LOG_LEVEL=debug): one JSON
// object per line with the event's annotations, and none of the configured secrets anywhere in a full scenario.

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { sign } from "@octokit/webhooks-methods"
import { afterAll } from "vitest"
import { freePort, killLeftovers, startService } from "../support/process.ts"

const SECRETS = {
  adminToken: "admin-token-MARKER-41aa",
  secretKey: btoa("secret-key-MARKER-for-aes-256!!!"),
  verifier: "github-secret-MARKER-77b2",
  header: "Bearer destination-MARKER-90cc",
  signing: `whsec_${btoa("signing-secret-MARKER-3f01")}`
}

afterAll(killLeftovers)

describe("LOG_FORMAT=json", () => {
  it("writes JSON lines with annotations, and never a secret, through a full scenario", async () => {
    const destination = createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        response.writeHead(500)
        response.end("destination down")
      })
    })
    await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve))
    const destinationPort = (destination.address() as AddressInfo).port
    const port = await freePort()
    const service = await startService(port, {
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
      EVENTHOOK_ADMIN_TOKEN: SECRETS.adminToken,
      EVENTHOOK_SECRET_KEY: SECRETS.secretKey,
      EVENTHOOK_RETRY_BASE_SECONDS: "0.2"
    })
    const base = `http://127.0.0.1:${port}`
    const tenant = `logs-${Date.now().toString(36)}`
    const admin = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${SECRETS.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    assert.strictEqual((await admin("/api/eventhook/tenants", { slug: tenant })).status, 201)
    assert.strictEqual(
      (
        await admin(`/api/tenants/${tenant}/eventhook/sources`, {
          slug: "gh",
          provider: "github",
          secret: SECRETS.verifier
        })
      ).status,
      201
    )
    assert.strictEqual(
      (
        await admin(`/api/tenants/${tenant}/eventhook/routes`, {
          source: "gh",
          target_type: "http",
          target_config: {
            url: `http://127.0.0.1:${destinationPort}/`,
            headers: { Authorization: SECRETS.header },
            signing: { type: "standard_webhooks", secret: SECRETS.signing }
          }
        })
      ).status,
      201
    )
    const body = JSON.stringify({ action: "opened" })
    const ingest = (signature: string) =>
      fetch(`${base}/api/tenants/${tenant}/eventhook/in/gh`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "issues", "x-hub-signature-256": signature },
        body
      })
    assert.strictEqual((await ingest(await sign(SECRETS.verifier, body))).status, 200)
    assert.strictEqual((await ingest(await sign("not-the-secret", body))).status, 401)
    // Let the delivery fail and be retried (the destination answers 500), then stop.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    service.child.kill("SIGTERM")
    assert.strictEqual(await service.exited, 0)
    destination.close()
    const output = service.output()

    for (const [name, secret] of Object.entries(SECRETS))
      assert.notInclude(output, secret, `${name} leaked into the logs`)
    const lines = output.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("eventhook listening on"))
    assert.isAbove(lines.length, 2)
    const logs = lines.map(
      (line) => JSON.parse(line) as { message: unknown; logLevel?: string; annotations?: Record<string, unknown> }
    )
    const rejected = logs.find((log) => JSON.stringify(log.message).includes("webhook rejected"))
    assert.isDefined(rejected, output)
    assert.match(String(rejected!.annotations?.event_id), /^[0-9a-f-]{36}$/)
    assert.strictEqual(rejected!.annotations?.reason, "signature_mismatch")
  }, 60_000)
})
