/**
 * Test servers: effcached started from the built daemon (dist/main.js, as users run it) and a real
 * memcached, each on a free loopback port, stopped when the test is done.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** A free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** A server process under test. */
export interface RunningServer {
  readonly port: number
  readonly process: ChildProcess
  /** Everything the process wrote to stderr so far. */
  readonly stderr: () => string
  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  readonly stop: () => Promise<number | null>
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/**
 * Starts a server process and waits (20 s at most: a loaded CI machine runs two test files at once) until it accepts connections on `port`; stderr
 * is collected, stdout ignored. `env` replaces the environment it inherits.
 */
export const startProcess = async (
  command: string,
  args: ReadonlyArray<string>,
  port: number,
  env?: NodeJS.ProcessEnv
): Promise<RunningServer> => {
  const child = spawn(command, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], ...(env ? { env } : {}) })
  let stderr = ""
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${stderr}`)
    if (await canConnect(port)) break
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`${command} did not start listening on ${port}: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  return running(port, child, () => stderr, exited)
}

/** The handle of a started process: `stop` sends SIGTERM, then SIGKILL after `graceMs`, and waits. */
const running = (
  port: number,
  child: ChildProcess,
  stderr: () => string,
  exited: Promise<number | null>,
  graceMs = 3000
): RunningServer => ({
  port,
  process: child,
  stderr,
  stop: async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
      const code = await exited
      clearTimeout(timer)
      return code
    }
    return child.exitCode
  }
})

/**
 * Starts `node dist/main.js` (build first: `npm test` does) with extra arguments, on `port` or a free
 * one (a given port restarts an instance where its clients expect it).
 */
export const startEffcached = async (args: ReadonlyArray<string> = [], port?: number): Promise<RunningServer> =>
  port === undefined
    ? onFreePort((free) =>
      startProcess(process.execPath, [path.join(root, "dist/main.js"), "-p", String(free), ...args], free)
    )
    : startProcess(process.execPath, [path.join(root, "dist/main.js"), "-p", String(port), ...args], port)

/**
 * Starts a server on a free port, and on another if that one was taken between being found free and
 * being bound (by any process's outgoing connection, on a busy machine): the server then exits 71
 * (EX_OSERR, "address in use"), for memcached and effcached alike.
 */
const onFreePort = async (start: (port: number) => Promise<RunningServer>): Promise<RunningServer> => {
  for (let attempt = 1;; attempt++) {
    try {
      return await start(await freePort())
    } catch (error) {
      if (attempt >= 5 || !(error instanceof Error) || !/exited with 71\b|in use/i.test(error.message)) throw error
    }
  }
}

/** How a launch ended: the daemon serves, or it exited first (with its stderr). */
export type Launched =
  | { readonly _tag: "Serving"; readonly server: RunningServer }
  | {
    readonly _tag: "Exited"
    readonly code: number | null
    readonly signal: NodeJS.Signals | null
    readonly stderr: string
  }

/** Daemons launchEffcached started that are still running: killed if the test process exits first. */
const launched = new Set<ChildProcess>()
process.once("exit", () => {
  for (const child of launched) child.kill("SIGKILL")
})

/**
 * Starts `node dist/main.js` with `args` on a free port and waits, at most `deadlineMs` (generous: a
 * start on a shared 2-core machine under heavy load can take seconds), until it either accepts
 * connections or exits: for daemons that may rightly refuse to start (a held data dir, damaged
 * files). A daemon that does neither in time is killed and the promise rejects (a hang is a failure).
 */
export const launchEffcached = async (args: ReadonlyArray<string>, deadlineMs = 30_000): Promise<Launched> => {
  for (let attempt = 1;; attempt++) {
    const port = await freePort()
    const child = spawn(process.execPath, [path.join(root, "dist/main.js"), "-p", String(port), ...args], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"]
    })
    launched.add(child)
    let stderr = ""
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => {
        launched.delete(child)
        resolve(code)
      })
    )
    const closed = new Promise<void>((resolve) => child.stderr!.once("close", () => resolve()))
    const deadline = Date.now() + deadlineMs
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) break
      if (await canConnect(port)) {
        // A restore or a final snapshot may take a moment: 5 s before SIGKILL.
        return { _tag: "Serving", server: running(port, child, () => stderr, exited, 5000) }
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL")
        await exited
        throw new Error(`effcached ${args.join(" ")}: neither served nor exited within ${deadlineMs} ms: ${stderr}`)
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    await exited
    await closed
    // Its port taken between being found free and being bound: another port (see onFreePort).
    if (child.exitCode === 71 && /cannot listen on .*in use/i.test(stderr) && attempt < 5) continue
    return { _tag: "Exited", code: child.exitCode, signal: child.signalCode, stderr }
  }
}

/** Path of the memcached binary, or undefined when it is not installed. */
export const memcachedPath = ((): string | undefined => {
  const found = spawnSync("sh", ["-c", "command -v memcached"], { encoding: "utf8" })
  const p = found.stdout.trim()
  return found.status === 0 && p.length > 0 ? p : undefined
})()

/** Whether tests that need a tool must fail rather than skip when it is missing. */
export const isCI = process.env["CI"] === "true"

/**
 * Whether a suite needing `tool` should run: true when present; false (skip, with a message) when
 * missing locally; under CI=true a missing tool throws, so CI cannot pass by skipping.
 */
export const requireTool = (tool: string, present: boolean): boolean => {
  if (present) return true
  if (isCI) throw new Error(`${tool} is required under CI=true but is not installed (see .ci/run)`)
  console.warn(`skipping: ${tool} is not installed (apt-get install it to run these tests)`)
  return false
}

/** Starts a real memcached 1.6 on a free port; `env` is added to the environment it inherits. */
export const startMemcached = async (
  args: ReadonlyArray<string> = [],
  env?: NodeJS.ProcessEnv
): Promise<RunningServer> => {
  if (memcachedPath === undefined) throw new Error("memcached is not installed")
  const binary = memcachedPath
  return onFreePort((port) =>
    startProcess(
      binary,
      ["-u", "nobody", "-l", "127.0.0.1", "-p", String(port), "-U", "0", ...args],
      port,
      env === undefined ? undefined : { ...process.env, ...env }
    )
  )
}

/**
 * A server started before the enclosing suite's tests and stopped after them. The returned handle
 * reads through to the running server, so it can be declared at suite level and used in tests.
 */
export const useServer = (start: () => Promise<RunningServer>): RunningServer => {
  let current: RunningServer | undefined
  const running = (): RunningServer => {
    if (current === undefined) throw new Error("the server is started in beforeAll: use it inside tests")
    return current
  }
  beforeAll(async () => {
    current = await start()
  })
  afterAll(async () => {
    await current?.stop()
  })
  return {
    get port() {
      return running().port
    },
    get process() {
      return running().process
    },
    stderr: () => running().stderr(),
    stop: () => running().stop()
  }
}
