// Deno runs the Node main as it is, through its Node compatibility (node:http, @effect/platform-node): one
// composition, two runtimes. `deno task start` names this file so the Deno entry point stays explicit.
import "./main.node.ts"
