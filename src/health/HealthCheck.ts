/**
 * What the container's health check does (`dist/healthcheck.js`): find the running daemon, work out
 * its address the way the daemon did (its own command line and environment, from /proc, parsed by the
 * daemon's own parser, so `docker run effcached -p 11311` is checked on 11311 with no second place to
 * configure the port), and ask it for its `version`.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs"
import * as net from "node:net"
import * as Cli from "../config/Cli.js"

/** How long the probe may take. */
const TIMEOUT_MS = 3000

/** Where to probe, or why there is nothing to probe. */
export type Target = { readonly host: string; readonly port: number } | { readonly error: string }

/** A listen address as a client reaches it: the wildcard addresses mean this host's loopback. */
export const connectHost = (listen: string): string =>
  listen === "0.0.0.0" ? "127.0.0.1" : listen === "::" || listen === "[::]" ? "::1" : listen

/** The address a daemon started with these arguments (after the script) and environment listens on. */
export const targetOf = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>): Target => {
  const command = Cli.parse(args, env)
  if (command._tag !== "Run") return { error: `the daemon's command line does not run a server (${command._tag})` }
  return { host: connectHost(command.settings.host), port: command.settings.port }
}

/** Whether a command line (`node <script> ...`) runs the effcached daemon. */
export const isDaemon = (argv: ReadonlyArray<string>): boolean => {
  const script = argv[1] ?? ""
  return script.endsWith("/dist/main.js") || script === "dist/main.js" || /(^|\/)effcached$/.test(script)
}

/** A /proc file of NUL-separated strings (cmdline, environ). */
export const nulSeparated = (path: string): Array<string> =>
  readFileSync(path, "latin1").split("\0").filter((s) => s !== "")

/** A process's environment, from /proc. */
export const environment = (pid: number): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const entry of nulSeparated(`/proc/${pid}/environ`)) {
    const eq = entry.indexOf("=")
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return env
}

/** The daemon's pid: the lowest process whose command line runs effcached. */
export const findDaemon = (): number | undefined => {
  const pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b)
  for (const pid of pids) {
    try {
      if (pid !== process.pid && isDaemon(nulSeparated(`/proc/${pid}/cmdline`))) return pid
    } catch {
      // The process ended, or is not ours to read.
    }
  }
  return undefined
}

/** Sends `version` and resolves with an error message, or undefined when the daemon answered. */
export const probe = (host: string, port: number, timeoutMs = TIMEOUT_MS): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port })
    let reply = ""
    const finish = (error: string | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(error)
    }
    const timer = setTimeout(() => finish(`no answer from ${host}:${port} within ${timeoutMs} ms`), timeoutMs)
    socket.setEncoding("latin1")
    socket.on("connect", () => socket.write("version\r\n"))
    socket.on("data", (data: string) => {
      reply += data
      if (reply.includes("\r\n")) {
        finish(reply.startsWith("VERSION ") ? undefined : `unexpected answer ${JSON.stringify(reply)}`)
      }
    })
    socket.on("error", (e) => finish(`${host}:${port}: ${e.message}`))
    socket.on("close", () => finish(`${host}:${port} closed the connection`))
  })
