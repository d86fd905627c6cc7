/**
 * Disk errors at run time, injected (issue 11): the server runs in this process over persistence with
 * file operations that fail on demand (Persistence.layer's `files`): a disk that fills up in the
 * middle of a write (a short write, then ENOSPC), fsync failing with EIO, a snapshot that cannot create
 * its file. It never crashes and keeps serving; in `always` mode a write that is not durable answers
 * `SERVER_ERROR persistence failed`, and once the disk recovers writes are acknowledged again; in
 * `everysec` writes are acknowledged throughout. After a clean stop, a server on the same data dir with
 * the real file system holds every acknowledged write, and nothing wrong.
 */
import { Effect, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { type AppendFsync, ServerConfig } from "../../src/config/ServerConfig.js"
import { type FileOps, nodeFileOps } from "../../src/persistence/FileOps.js"
import { Persistence } from "../../src/persistence/Persistence.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { Logging } from "../../src/server/Logging.js"
import {
  type Item,
  linesOf,
  pipelined,
  readItems,
  sameItem,
  showItem,
  statsOf,
  useTempDirs
} from "../support/persistence.js"

const tempDir = useTempDirs()

/** Which operations fail, and with what. */
interface Faults {
  writev?: "ENOSPC" | undefined
  fsync?: "EIO" | undefined
  open?: "ENOSPC" | undefined
}

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code} (injected)`), { code })

/**
 * The real file system, but failing as `faults` says. A failing writev first writes half of its bytes
 * and reports that (a short write, as a disk filling up does), and fails with ENOSPC after that.
 */
const faultyFiles = (faults: Faults): FileOps => {
  let shortWritten = false
  return {
    ...nodeFileOps,
    open: (path, exclusive, done) =>
      faults.open !== undefined ? done(errno(faults.open), -1) : nodeFileOps.open(path, exclusive, done),
    writev: (fd, buffers, position, done) => {
      if (faults.writev === undefined) {
        shortWritten = false
        return nodeFileOps.writev(fd, buffers, position, done)
      }
      if (shortWritten || buffers.length === 0) return done(errno(faults.writev), 0)
      shortWritten = true
      const first = buffers[0]!
      return nodeFileOps.writev(fd, [first.subarray(0, Math.ceil(first.length / 2))], position, done)
    },
    fsync: (fd, done) => (faults.fsync !== undefined ? done(errno(faults.fsync)) : nodeFileOps.fsync(fd, done))
  }
}

/**
 * effcached in this process on a free port, with persistence over `files`; its log (JSON lines, at the
 * default verbosity) goes to `logFile` if given, else nowhere.
 */
const inProcess = async (dir: string, appendfsync: AppendFsync, files: FileOps, logFile?: string) => {
  const layer = Effcached.serveWith(Layer.empty).pipe(
    Layer.provideMerge(Persistence.layer({ files })),
    Layer.provide(ServerConfig.layer({ port: 0, dataDir: dir, appendfsync, snapshotInterval: 3600 }))
  )
  // Quiet unless asked: the injected failures would only clutter the test output.
  const logging = logFile === undefined
    ? Logger.minimumLogLevel(LogLevel.None)
    : Layer.orDie(Logging.layer({ verbosity: 0, logFormat: "json", logFile }))
  const runtime = ManagedRuntime.make(Layer.orDie(layer).pipe(Layer.provide(logging)))
  const { address } = await runtime.runPromise(Listener)
  return { runtime, port: address.port }
}

/** Stops the in-process server; a stop that has not finished within 10 s is a hang, and fails. */
const stopWithin = (runtime: { readonly dispose: () => Promise<void> }): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not stop within 10 s")), 10_000)
    runtime.dispose().then(() => {
      clearTimeout(timer)
      resolve()
    }, reject)
  })

const value = (key: string) => `${key}:${"z".repeat(200)}`
/** Flags of a key's value: its number (`a7`: 7). */
const flagsOf = (key: string) => Number(key.slice(1))
const sets = (keys: ReadonlyArray<string>) =>
  keys.map((k) => `set ${k} ${flagsOf(k)} 0 ${value(k).length}\r\n${value(k)}\r\n`)
const itemOf = (key: string): Item => ({ flags: flagsOf(key), value: value(key) })
const named = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** Sets each key, one request at a time (each its own batch); the replies. */
const oneByOne = async (port: number, keys: ReadonlyArray<string>): Promise<Array<string>> => {
  const replies: Array<string> = []
  for (const request of sets(keys)) replies.push(...(await pipelined(port, [request])))
  return replies
}

describe("injected disk errors, --appendfsync always", () => {
  it(
    "refuses undurable writes with SERVER_ERROR persistence failed, keeps serving, recovers, loses nothing acknowledged",
    async () => {
      const dir = tempDir()
      const faults: Faults = {}
      const logFile = path.join(tempDir(), "effcached.log")
      const { port, runtime } = await inProcess(dir, "always", faultyFiles(faults), logFile)
      const errors = { count: 0 }
      const before = named("a", 20)
      const full = named("b", 10)
      const badSync = named("c", 5)
      const after = named("d", 10)
      try {
        expect(new Set(await pipelined(port, sets(before)))).toEqual(new Set(["STORED"]))

        faults.writev = "ENOSPC"
        expect(new Set(await oneByOne(port, full))).toEqual(new Set(["SERVER_ERROR persistence failed"]))
        expect((await readItems(port, before)).size).toBe(before.length)
        faults.writev = undefined

        faults.fsync = "EIO"
        expect(new Set(await oneByOne(port, badSync))).toEqual(new Set(["SERVER_ERROR persistence failed"]))
        faults.fsync = undefined

        const replies = await oneByOne(port, after)
        expect(replies.filter((r) => r !== "STORED" && r !== "SERVER_ERROR persistence failed")).toEqual([])
        expect(replies.at(-1)).toBe("STORED")
        const stats = await statsOf(port)
        expect(Number(stats.get("persist_errors"))).toBeGreaterThanOrEqual(2)

        // A snapshot that cannot create its file fails, and the server goes on.
        faults.open = "ENOSPC"
        const snapshotted = await runtime.runPromise(
          Effect.flatMap(Persistence, (p) => p.snapshot).pipe(Effect.timeout("10 seconds"), Effect.either)
        )
        expect(snapshotted._tag === "Left" && snapshotted.left._tag === "TimeoutException").toBe(false)
        faults.open = undefined
        expect(Number((await statsOf(port)).get("persist_errors"))).toBeGreaterThan(Number(stats.get("persist_errors")))
        // The disk has room again. Without a log file, writes stay refused until a snapshot starts a new
        // one (the server waits 30 s after a failed one): asked for now, writes are acknowledged again.
        await runtime.runPromise(Effect.flatMap(Persistence, (p) => p.snapshot).pipe(Effect.timeout("10 seconds")))
        expect(await pipelined(port, ["set e0 0 0 1\r\ne\r\n"])).toEqual(["STORED"])
        errors.count = Number((await statsOf(port)).get("persist_errors"))
      } finally {
        await stopWithin(runtime)
      }
      // Every failure reached the log at the default verbosity: the first of each kind as a line with
      // its message, the rest counted (at most a line per kind per 10 s), none left out.
      const errorLines = linesOf(fs.readFileSync(logFile, "utf8")).map((line) =>
        JSON.parse(line) as { message: string }
      )
        .map(({ message }) => message).filter((message) =>
          /^persistence: (write|fsync|open|snapshot|manifest)/.test(message)
        )
      const first = errorLines.filter((line) => !/: \d+ more in the last \d+ s$/.test(line))
      expect(first.filter((line) => line.startsWith("persistence: write ENOSPC: "))).toEqual([
        "persistence: write ENOSPC: ENOSPC (injected)"
      ])
      expect(first.filter((line) => line.startsWith("persistence: fsync EIO: "))).toHaveLength(1)
      expect(first.some((line) => /^persistence: snapshot failed: cannot create .*ENOSPC/.test(line))).toBe(true)
      const counted = errorLines.map((line) => Number(/: (\d+) more in the last \d+ s$/.exec(line)?.[1] ?? 1))
      expect(counted.reduce((a, b) => a + b, 0)).toBe(errors.count)
      expect(errors.count).toBeGreaterThan(first.length)

      const restarted = await inProcess(dir, "always", nodeFileOps)
      try {
        const acknowledged = [...before, ...after.slice(-1)]
        const found = await readItems(restarted.port, [...before, ...full, ...badSync, ...after, "e0"])
        const lost = acknowledged.filter((key) => !sameItem(found.get(key), itemOf(key)))
        expect(lost.map((key) => `${key}: ${showItem(found.get(key))}`)).toEqual([])
        expect(found.get("e0")?.value).toBe("e")
        // A refused write may have reached the disk after all (retried), but never as anything else.
        for (const group of [full, badSync, after]) {
          for (const key of group) {
            if (found.has(key)) expect(showItem(found.get(key))).toBe(showItem(itemOf(key)))
          }
        }
      } finally {
        await stopWithin(restarted.runtime)
      }
    },
    30_000
  )
})

describe("injected disk errors, --appendfsync everysec", () => {
  it("acknowledges writes throughout, and keeps them once the disk recovers", async () => {
    const dir = tempDir()
    const faults: Faults = {}
    const { port, runtime } = await inProcess(dir, "everysec", faultyFiles(faults))
    const keys = named("s", 30)
    try {
      expect(new Set(await pipelined(port, sets(keys.slice(0, 10))))).toEqual(new Set(["STORED"]))
      faults.writev = "ENOSPC"
      faults.fsync = "EIO"
      expect(new Set(await oneByOne(port, keys.slice(10, 20)))).toEqual(new Set(["STORED"]))
      faults.writev = undefined
      faults.fsync = undefined
      expect(new Set(await pipelined(port, sets(keys.slice(20))))).toEqual(new Set(["STORED"]))
      expect(Number((await statsOf(port)).get("persist_errors"))).toBeGreaterThan(0)
    } finally {
      await stopWithin(runtime)
    }
    const restarted = await inProcess(dir, "everysec", nodeFileOps)
    try {
      const found = await readItems(restarted.port, keys)
      const lost = keys.filter((key) => !sameItem(found.get(key), itemOf(key)))
      expect(lost.map((key) => `${key}: ${showItem(found.get(key))}`)).toEqual([])
    } finally {
      await stopWithin(restarted.runtime)
    }
  }, 30_000)
})

describe("a stop while the disk still fails", () => {
  it.each(["always", "everysec"] as const)(
    "--appendfsync %s: does not hang, and keeps what was durable before",
    async (mode) => {
      const dir = tempDir()
      const faults: Faults = {}
      const { port, runtime } = await inProcess(dir, mode, faultyFiles(faults))
      const durable = named("h", 10)
      const during = named("f", 10)
      try {
        expect(new Set(await pipelined(port, sets(durable)))).toEqual(new Set(["STORED"]))
        // In everysec, wait for the second's fsync to cover them (always: the replies said so).
        const deadline = Date.now() + 5000
        while (Number((await statsOf(port)).get("persist_fsyncs")) === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        faults.writev = "ENOSPC"
        faults.fsync = "EIO"
        const replies = await oneByOne(port, during)
        expect(replies.filter((r) => r !== "STORED" && r !== "SERVER_ERROR persistence failed")).toEqual([])
      } finally {
        await stopWithin(runtime)
      }
      const restarted = await inProcess(dir, mode, nodeFileOps)
      try {
        const found = await readItems(restarted.port, [...durable, ...during])
        expect(durable.filter((key) => !sameItem(found.get(key), itemOf(key)))).toEqual([])
        expect(during.filter((key) => found.has(key) && !sameItem(found.get(key), itemOf(key)))).toEqual([])
      } finally {
        await stopWithin(restarted.runtime)
      }
    },
    30_000
  )
})
