import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, TestClock } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ServerConfig, type Settings } from "../../src/config/ServerConfig.js"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import * as DataDir from "../../src/persistence/DataDir.js"
import { type FileOps, nodeFileOps } from "../../src/persistence/FileOps.js"
import { Persistence, type PersistenceOptions } from "../../src/persistence/Persistence.js"
import { Store } from "../../src/store/Store.js"
import { get, set, valueOf } from "../support/store.js"

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "effcached-persist-"))

/** A data dir removed when the test's scope closes. */
const dataDir = Effect.acquireRelease(
  Effect.sync(tempDir),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const layer = (settings: Partial<Settings>, options: PersistenceOptions = {}) =>
  Persistence.layer(options).pipe(Layer.provide(ServerConfig.layer({ partitions: 2, ...settings })))

const run = (...requests: Array<Request>) =>
  Effect.gen(function*() {
    const store = yield* Store
    const results: Array<Result | undefined> = requests.map(() => undefined)
    yield* store.execute({ requests, results })
    return results as Array<Result>
  })

const stat = (name: string) =>
  Effect.flatMap(Persistence, (p) => Effect.map(p.stats, (lines) => lines.find(([k]) => k === name)?.[1]))

/** Node's file operations, completing synchronously, failing as `failures` says at the time of the call. */
const syncFiles = (failures: { write?: string; fsync?: string }): FileOps => {
  const error = (code: string) => Object.assign(new Error(`${code}: injected`), { code })
  return {
    ...nodeFileOps,
    writev: (fd, buffers, position, done) => {
      if (failures.write !== undefined) return done(error(failures.write), 0)
      done(null, fs.writevSync(fd, buffers as Array<Uint8Array>, position))
    },
    fsync: (fd, done) => {
      if (failures.fsync !== undefined) return done(error(failures.fsync))
      fs.fsyncSync(fd)
      done(null)
    }
  }
}

/** One event-loop turn: the log writer writes at the end of a turn (setImmediate). */
const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>) => Logger.withMinimumLogLevel(effect, LogLevel.None)

describe("Persistence", () => {
  it.scoped("restores what was stored, deleted, counted and touched, with the same CAS; new writes get larger ones", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      yield* TestClock.setTime(1_700_000_000_000)
      const before = yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          yield* run(
            set("a", "1", { flags: 3 }),
            set("b", "gone"),
            set("c", "x", { exptime: 100 }),
            { _tag: "Incr", key: "a", delta: 41n, noreply: false },
            { _tag: "Delete", key: "b", noreply: false },
            { _tag: "Touch", key: "c", exptime: 500, noreply: false }
          )
          return yield* run({ _tag: "Gets", keys: ["a", "b", "c"] })
        }),
        layer({ dataDir: dir })
      ))
      yield* TestClock.adjust("200 seconds")
      const after = yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          const [hits] = yield* run({ _tag: "Gets", keys: ["a", "b", "c"] })
          const [stored, newer] = yield* run(set("d", "new"), { _tag: "Gets", keys: ["d"] })
          expect(stored?._tag).toBe("Stored")
          expect(yield* stat("persist_restored_items")).toBe("2")
          return { hits, newer }
        }),
        layer({ dataDir: dir })
      ))
      expect(after.hits).toEqual(before[0])
      const cas = (r: Result | undefined) => (r?._tag === "Values" ? r.hits.map((h) => h.cas) : [])
      expect(Math.min(...cas(after.newer))).toBeGreaterThan(Math.max(...cas(after.hits)))
    })))

  it.scoped("a start that writes nothing leaves no empty log behind; one that writes starts the next", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      const logs = () => fs.readdirSync(dir).filter((name) => name.endsWith(".log")).sort()
      for (let i = 0; i < 3; i++) yield* Effect.scoped(Effect.provide(Effect.void, layer({ dataDir: dir })))
      expect(logs()).toEqual(["log-0.log"])
      yield* Effect.scoped(Effect.provide(run(set("a", "1")), layer({ dataDir: dir })))
      expect(logs()).toEqual(["log-0.log"])
      const [hit] = yield* Effect.scoped(Effect.provide(run(get("a")), layer({ dataDir: dir })))
      expect(valueOf(hit!)).toBe("1")
      expect(logs()).toEqual(["log-0.log", "log-1.log"])
      yield* Effect.scoped(Effect.provide(Effect.void, layer({ dataDir: dir })))
      expect(logs()).toEqual(["log-0.log", "log-1.log"])
    })))

  it.scoped("everysec: past 16 MB of log waiting for a slow disk, writing batches wait for it; reads do not", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      // Log writes wait for the test once `hold` is on: a disk that has not caught up yet.
      const hold = { on: false }
      const held: Array<() => void> = []
      const files: FileOps = {
        ...nodeFileOps,
        writev: (fd, buffers, position, done) => {
          if (!hold.on) return nodeFileOps.writev(fd, buffers, position, done)
          held.push(() => nodeFileOps.writev(fd, buffers, position, done))
        }
      }
      const settings = { dataDir: dir, memoryLimit: 64 * 1024 * 1024, maxItemSize: 1024 * 1024 }
      yield* Effect.provide(
        Effect.gen(function*() {
          hold.on = true
          const value = "v".repeat(100 * 1024)
          const writing = yield* Effect.fork(run(...Array.from({ length: 170 }, (_, i) => set(`k${i}`, value))))
          while (held.length === 0) yield* turn
          expect(writing.unsafePoll()).toBeNull()
          // A batch that only reads is answered while the writes wait.
          const [hit] = yield* run(get("k0"))
          expect(valueOf(hit!)).toBe(value)
          // A small write waits too, behind the 17 MB.
          const small = yield* Effect.fork(run(set("s", "1")))
          yield* turn
          expect(small.unsafePoll()).toBeNull()
          hold.on = false
          while (writing.unsafePoll() === null || small.unsafePoll() === null) {
            held.shift()?.()
            yield* turn
          }
        }).pipe(
          // A failed expectation must not leave the log's close waiting on held writes.
          Effect.ensuring(Effect.sync(() => {
            hold.on = false
            for (const write of held.splice(0)) write()
          }))
        ),
        layer(settings, { files })
      )
    })))

  it.scoped("shutdown: a last snapshot only when the logs hold more than twice the live bytes", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      const files = () => fs.readdirSync(dir).filter((name) => /\.(snap|log)$/.test(name)).sort()
      const settings = { dataDir: dir, memoryLimit: 64 * 1024 * 1024, maxItemSize: 1024 * 1024 }
      const value = (i: number) => `${i}:${"v".repeat(100 * 1024)}`
      const cold = Array.from({ length: 20 }, (_, i) => set(`k${i}`, value(i)))
      // 2 MB of items written once: the log is about the items, and is replayed at the next start.
      yield* Effect.scoped(Effect.provide(run(...cold), layer(settings)))
      expect(files()).toEqual(["log-0.log"])
      // One key overwritten 30 times: 5 MB of logs for 2.1 MB of items, so a snapshot at shutdown.
      const hot = Array.from({ length: 30 }, (_, i) => set("hot", value(100 + i)))
      yield* Effect.scoped(Effect.provide(run(...hot), layer(settings)))
      expect(files()).toEqual(["log-2.log", "snapshot-2.snap"])
      const found = yield* Effect.scoped(Effect.provide(run(get("hot"), get("k7")), layer(settings)))
      expect(found.map((result) => valueOf(result))).toEqual([value(129), value(7)])
    })))

  it.scoped("everysec: the log is fsynced once a second of (Test)Clock time, not per write", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* run(set("a", "1"), set("b", "2"))
          yield* turn
          expect(yield* stat("persist_fsyncs")).toBe("0")
          yield* TestClock.adjust("1 second")
          yield* turn
          expect(yield* stat("persist_fsyncs")).toBe("1")
          yield* TestClock.adjust("1 second")
          yield* turn
          // Nothing new to sync.
          expect(yield* stat("persist_fsyncs")).toBe("1")
        }),
        layer({ dataDir: dir, appendfsync: "everysec" }, { files: syncFiles({}) })
      )
    })))

  it.scoped("always: a write whose record cannot be made durable answers SERVER_ERROR persistence failed", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      const failures: { write?: string } = {}
      yield* Effect.provide(
        Effect.gen(function*() {
          const [ok] = yield* run(set("a", "1"))
          expect(ok?._tag).toBe("Stored")
          failures.write = "ENOSPC"
          const [failed, read] = yield* run(set("b", "2"), get("a"))
          expect(failed).toEqual({ _tag: "ServerError", message: "persistence failed" })
          expect(valueOf(read!)).toBe("1")
          expect(Number(yield* stat("persist_errors"))).toBeGreaterThan(0)
          delete failures.write
          const [again] = yield* run(set("c", "3"))
          expect(again?._tag).toBe("Stored")
        }),
        layer({ dataDir: dir, appendfsync: "always" }, { files: syncFiles(failures) })
      )
    })))

  it.scoped("restoring into a smaller -m keeps the most recently used items", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      yield* TestClock.setTime(1_700_000_000_000)
      const value = "v".repeat(1000)
      yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          for (let i = 0; i < 3000; i++) yield* run(set(`k${i}`, value))
          // Read the oldest keys last: they are now the most recently used.
          yield* TestClock.adjust("10 seconds")
          for (let i = 0; i < 100; i++) yield* run(get(`k${i}`))
          yield* Effect.flatMap(Persistence, (p) => p.snapshot)
        }),
        layer({ dataDir: dir, partitions: 1, memoryLimit: 64 * 1024 * 1024 })
      ))
      yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          const results = yield* run(...Array.from({ length: 3000 }, (_, i) => get(`k${i}`)))
          const kept = results.map((r) => valueOf(r) !== undefined)
          expect(kept.slice(0, 100).every(Boolean)).toBe(true)
          expect(kept.filter(Boolean).length).toBeLessThan(1500)
          expect(kept[100]).toBe(false)
        }),
        layer({ dataDir: dir, partitions: 1, memoryLimit: 1024 * 1024, maxItemSize: 64 * 1024 })
      ))
    })))
})

describe("Persistence snapshots", () => {
  it.scoped("a snapshot taken while writes, reads and eviction go on restores every live item exactly", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* dataDir
      const written = new Map<string, string>()
      const settings = { dataDir: dir, partitions: 2, memoryLimit: 4 * 1024 * 1024, maxItemSize: 64 * 1024 }
      const keys = Array.from({ length: 3000 }, (_, i) => `key:${i}`)
      let filler = 0
      const store = (key: string, value: string) => {
        written.set(`${key}=${value}`, key)
        return set(key, value)
      }
      const readAll = run(...keys.map((key) => get(key)))
      // New keys fill memory, so cleaning runs; the keys just read get a second chance: they are
      // copied forward, unchanged, possibly past the snapshot's walk.
      const churn = Effect.zipRight(
        run(...Array.from({ length: 8000 }, () => store(`filler:${filler++}`, "f".repeat(300)))),
        readAll
      )
      // The snapshot's block writes wait for the test: one round of churn between two slices.
      const held: Array<() => void> = []
      // Only the snapshot under test is held (not the last one at shutdown: the churn makes the log large).
      const holding = { on: true }
      const snapshotFds = new Set<number>()
      const files: FileOps = {
        ...nodeFileOps,
        open: (file, exclusive, done) =>
          nodeFileOps.open(file, exclusive, (error, fd) => {
            if (file.endsWith(".snap.tmp")) snapshotFds.add(fd)
            done(error, fd)
          }),
        writev: (fd, buffers, position, done) => {
          if (!snapshotFds.has(fd) || !holding.on) return nodeFileOps.writev(fd, buffers, position, done)
          held.push(() => nodeFileOps.writev(fd, buffers, position, done))
        },
        // Its number may be reused by another file (the manifest's) once closed.
        close: (fd, done) => {
          snapshotFds.delete(fd)
          nodeFileOps.close(fd, done)
        }
      }
      const before = yield* Effect.scoped(Effect.provide(
        Effect.gen(function*() {
          const persistence = yield* Persistence
          yield* run(...keys.map((key) => store(key, `${key}:${"x".repeat(200)}`)))
          yield* readAll
          const snapshot = yield* Effect.fork(persistence.snapshot)
          let slices = 0
          while (snapshot.unsafePoll() === null) {
            const next = held.shift()
            if (next === undefined) {
              yield* turn
              continue
            }
            yield* churn
            next()
            slices++
          }
          holding.on = false
          expect(slices).toBeGreaterThan(2)
          expect(yield* stat("persist_snapshots")).toBe("1")
          return yield* readAll
        }),
        layer(settings, { files })
      ))
      const after = yield* Effect.scoped(Effect.provide(readAll, layer(settings)))
      let live = 0
      keys.forEach((key, i) => {
        const was = valueOf(before[i]!)
        const now = valueOf(after[i]!)
        if (was !== undefined) {
          live++
          expect(now).toBe(was)
        } else if (now !== undefined) {
          // An evicted item may come back, but only with a value a client stored.
          expect(written.has(`${key}=${now}`)).toBe(true)
        }
      })
      expect(live).toBeGreaterThan(2000)
    })))
})

describe("DataDir lock", () => {
  it("refuses a lock held by a live process, takes over one left by a dead process", () => {
    const dir = tempDir()
    const file = path.join(dir, "lock")
    fs.writeFileSync(file, `${process.ppid}\n`)
    expect(DataDir.lock(dir)).toEqual({ _tag: "Held", pid: process.ppid })
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"])
    fs.writeFileSync(file, `${child.stdout.toString()}\n`)
    expect(DataDir.lock(dir)).toEqual({ _tag: "Locked", path: file })
    expect(fs.readFileSync(file, "latin1")).toBe(`${process.pid}\n`)
    DataDir.unlock(file)
    expect(fs.existsSync(file)).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
