/**
 * The servers a benchmark compares, each started as a child process on a free loopback port for the
 * length of a Scope: effcached (`node dist/main.js`), a real memcached with one worker thread when it
 * is installed, and optionally nodeceiling (the bare node:net server of ./ceiling, the ceiling of what
 * Node does on get/set; `$NODECEILING` names another script to run instead, taking `-p <port>`). The finalizer always stops the process, so an
 * interrupted benchmark (Ctrl-C) leaves no server behind.
 *
 * @module
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { which } from "./Command.js"

/** The servers a benchmark knows. */
export const SERVER_NAMES = ["effcached", "memcached", "nodeceiling"] as const

/** One of SERVER_NAMES. */
export type ServerName = (typeof SERVER_NAMES)[number]

/** How to start a server, or why it cannot be. */
export type ServerSpec =
  | {
    readonly _tag: "Available"
    readonly name: ServerName
    readonly command: string
    readonly args: (port: number, memoryMb: number) => ReadonlyArray<string>
  }
  | { readonly _tag: "Missing"; readonly name: ServerName; readonly reason: string }

/** A server that could not be started. */
export class ServerStartError extends Data.TaggedError("ServerStartError")<{
  readonly server: ServerName
  readonly reason: string
}> {
  override get message(): string {
    return `${this.server} did not start: ${this.reason}`
  }
}

/** A running server. */
export interface RunningServer {
  readonly name: ServerName
  readonly port: number
  readonly pid: number
  /** How the process ended (`exited 1`, `killed by SIGSEGV`), or undefined while it runs. */
  readonly exited: () => string | undefined
}

/** What else a caller wants of a server it starts (the fuzzer: logging flags, its log lines). */
export interface StartExtras {
  /** Arguments after the usual ones. */
  readonly args?: ReadonlyArray<string>
  /** Called with each piece of the server's stderr. */
  readonly onStderr?: (text: string) => void
}

/** A certificate and key to start servers with `-Z`. */
export interface TlsFiles {
  readonly cert: string
  readonly key: string
}

/** How to start each server, for the project at `root`; over TLS with `tls`. */
export const specs = (root: string, tls?: TlsFiles): Record<ServerName, ServerSpec> => {
  const main = path.join(root, "dist/main.js")
  const tlsArgs = tls === undefined ? [] : ["-Z", "-o", `ssl_chain_cert=${tls.cert},ssl_key=${tls.key}`]
  const memcached = which("memcached")
  // The project's own ceiling, or another bare server's script named by $NODECEILING (e.g. the shared one).
  const ceiling = process.env["NODECEILING"] || path.join(root, "dist/bench/ceiling/main.js")
  return {
    effcached: existsSync(main)
      ? {
        _tag: "Available",
        name: "effcached",
        command: process.execPath,
        args: (port, mb) => [main, "-p", `${port}`, "-m", `${mb}`, ...tlsArgs]
      }
      : { _tag: "Missing", name: "effcached", reason: `${main} is missing (npm run build)` },
    memcached: memcached !== undefined
      ? {
        _tag: "Available",
        name: "memcached",
        command: memcached,
        // -u only matters as root (memcached refuses to run as root without it) and is ignored otherwise.
        args: (port, mb) => [
          ...["-u", "nobody", "-l", "127.0.0.1", "-p", `${port}`, "-U", "0", "-t", "1", "-m", `${mb}`],
          ...tlsArgs
        ]
      }
      : { _tag: "Missing", name: "memcached", reason: "memcached is not installed (apt-get install memcached)" },
    nodeceiling: tls !== undefined
      ? { _tag: "Missing", name: "nodeceiling", reason: "it has no TLS" }
      : existsSync(ceiling)
      ? {
        _tag: "Available",
        name: "nodeceiling",
        command: process.execPath,
        args: (port) => [ceiling, "-p", `${port}`]
      }
      : { _tag: "Missing", name: "nodeceiling", reason: `${ceiling} is not there (npm run build)` }
  }
}

/** A free TCP port on 127.0.0.1. */
export const freePort: Effect.Effect<number, Error> = Effect.async((resume) => {
  const server = net.createServer()
  server.unref()
  server.on("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

const canConnect = (port: number): Effect.Effect<boolean> =>
  Effect.async((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
    return Effect.sync(() => socket.destroy())
  })

const STOP_GRACE_MS = 3000
const START_TIMEOUT_MS = 10_000

// SIGTERM, then SIGKILL if it has not exited within the grace period.
const stop = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })

/** Starts a server on a free port; it is stopped when the scope closes. */
export const start = (
  spec: Extract<ServerSpec, { _tag: "Available" }>,
  memoryMb: number,
  extras: StartExtras = {}
): Effect.Effect<RunningServer, ServerStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const failed = (reason: string) => new ServerStartError({ server: spec.name, reason })
    const port = yield* Effect.mapError(freePort, (error) => failed(error.message))
    let stderr = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const args = [...spec.args(port, memoryMb), ...(extras.args ?? [])]
        const child = spawn(spec.command, args, { stdio: ["ignore", "ignore", "pipe"] })
        child.stderr!.on("data", (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-4000)
          extras.onStderr?.(chunk.toString())
        })
        child.on("error", (error) => (stderr += `\n${error.message}`))
        return child
      }),
      stop
    )
    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        return yield* Effect.fail(failed(`exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`))
      }
      if (yield* canConnect(port)) break
      if (Date.now() > deadline) {
        return yield* Effect.fail(
          failed(`not listening on ${port} after ${START_TIMEOUT_MS / 1000} s: ${stderr.trim()}`)
        )
      }
      yield* Effect.sleep("25 millis")
    }
    const exited = () =>
      child.signalCode !== null
        ? `killed by ${child.signalCode}`
        : child.exitCode !== null
        ? `exited ${child.exitCode}`
        : undefined
    return { name: spec.name, port, pid: child.pid, exited }
  })

/** Resident set size of a process in bytes, from /proc/PID/status (undefined where there is no /proc). */
export const residentBytes = (pid: number): number | undefined => {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}
