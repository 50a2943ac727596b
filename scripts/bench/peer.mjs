// The peer of issue 22: the webhook receiver a user would write by hand instead of running Eventhook — node:http,
// @octokit/webhooks-methods' verify, a `pg` pool of 20, one INSERT … ON CONFLICT (delivery_id) DO NOTHING per
// request, 200 after the commit, no processing at all. It stores what Eventhook stores of a request (the exact
// bytes, the parsed payload, the headers) so the two write the same. Plain JavaScript, as such a file would be.
import { createServer } from "node:http"
import { verify } from "@octokit/webhooks-methods"
import pg from "pg"

const secret = process.env.PEER_SECRET
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 })
await pool.query(`CREATE TABLE IF NOT EXISTS peer_delivery (
  delivery_id text PRIMARY KEY,
  event_type text,
  headers jsonb NOT NULL,
  payload jsonb,
  raw bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
)`)

const server = createServer((req, res) => {
  const chunks = []
  req.on("data", (chunk) => chunks.push(chunk))
  req.on("end", async () => {
    const raw = Buffer.concat(chunks)
    const text = raw.toString("utf8")
    try {
      if (!(await verify(secret, text, String(req.headers["x-hub-signature-256"] ?? "")))) {
        res.writeHead(401).end()
        return
      }
      let payload
      try {
        payload = JSON.parse(text)
      } catch {
        res.writeHead(400).end()
        return
      }
      await pool.query(
        `INSERT INTO peer_delivery (delivery_id, event_type, headers, payload, raw) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (delivery_id) DO NOTHING`,
        [req.headers["x-github-delivery"], req.headers["x-github-event"], req.headers, payload, raw]
      )
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}')
    } catch {
      res.writeHead(503).end()
    }
  })
})
server.listen(0, "127.0.0.1", () => console.log(`peer listening on ${server.address().port}`))
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))))
