import { createHmac, randomUUID } from "node:crypto"
import { SECRET } from "./settings.ts"

// The webhook sent: GitHub-signed, ~2 KB.

export const payloadOf = (sentAtMs: number) => {
  const body = {
    action: "opened",
    sent_at_ms: sentAtMs,
    issue: { number: 1347, title: "Found a bug", body: "x".repeat(1600), labels: ["bug", "p1"] },
    repository: { id: 1296269, full_name: "octocat/Hello-World", private: false },
    sender: { login: "octocat", id: 1 }
  }
  return Buffer.from(JSON.stringify(body))
}

export const githubHeaders = (body: Buffer): Record<string, string> => ({
  "content-type": "application/json",
  "user-agent": "GitHub-Hookshot/bench",
  "x-github-event": "issues",
  "x-github-delivery": randomUUID(),
  "x-github-hook-id": "1",
  "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
  "content-length": String(body.length)
})
