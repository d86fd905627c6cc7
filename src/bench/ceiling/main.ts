#!/usr/bin/env node
/**
 * `node dist/bench/ceiling/main.js -p <port> [-l <host>]`: runs the node ceiling (Ceiling.ts) until
 * SIGTERM or SIGINT. The benchmark starts it as the `nodeceiling` server.
 *
 * @module
 */
import { createCeiling } from "./Ceiling.js"

const argOf = (flag: string): string | undefined => {
  const at = process.argv.indexOf(flag)
  return at < 0 ? undefined : process.argv[at + 1]
}

const port = Number(argOf("-p") ?? "11211")
const host = argOf("-l") ?? "127.0.0.1"
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`nodeceiling: bad port ${argOf("-p")}\n`)
  process.exit(64)
}
const server = createCeiling()
server.on("error", (error) => {
  process.stderr.write(`nodeceiling: ${error.message}\n`)
  process.exit(71)
})
server.listen(port, host)
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0))
