/**
 * Persistence (`--data-dir`): a Layer that provides the server's `Store` as the partitioned store with
 * a change journal on every table, restored from the data dir before the server serves, and a
 * `Persistence` service for its figures and on-demand snapshots. `main.ts` loads this module only with
 * `--data-dir`; without it nothing here runs. See docs/persistence.md for the files and guarantees.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as fs from "node:fs"
import { ServerConfig } from "../config/ServerConfig.js"
import * as Res from "../domain/Result.js"
import { ItemTable } from "../store/ItemTable.js"
import { PartitionedStore } from "../store/PartitionedStore.js"
import { type Batch, Store, type StoreShape } from "../store/Store.js"
import * as DataDir from "./DataDir.js"
import { ErrorLog } from "./ErrorLog.js"
import { type FileOps, nodeFileOps } from "./FileOps.js"
import { LOG_HEADER } from "./Format.js"
import { partitionJournal } from "./Journal.js"
import { LogWriter } from "./LogWriter.js"
import * as Manifest from "./Manifest.js"
import { ManifestWriter } from "./Manifest.js"
import { restore } from "./Restore.js"
import { Snapshots } from "./Snapshots.js"

/** The data dir cannot be used: locked by another server, or not creatable. Startup fails with it. */
export class PersistenceError extends Data.TaggedError("PersistenceError")<{
  readonly message: string
  /** The exit status: 75 (EX_TEMPFAIL) for a held lock, 73 (EX_CANTCREAT) otherwise. */
  readonly exitCode: number
}> {}

/** What persistence offers besides the store. */
export interface PersistenceShape {
  /** The `persist_*` lines of `stats`. */
  readonly stats: Effect.Effect<ReadonlyArray<readonly [string, string]>>
  /** Writes a snapshot now (unless one is being written); completes when it is on disk. */
  readonly snapshot: Effect.Effect<void>
  /** Writes and fsyncs everything logged so far. */
  readonly sync: Effect.Effect<void>
}

/** Options of the Layer (tests inject file failures). */
export interface PersistenceOptions {
  readonly files?: FileOps
}

/** Requests whose reply acknowledges a change: answered `SERVER_ERROR persistence failed` if it is not durable. */
const ACKNOWLEDGED = new Set([
  "Set",
  "Add",
  "Replace",
  "Append",
  "Prepend",
  "Cas",
  "TooLarge",
  "Delete",
  "Incr",
  "Decr",
  "Touch",
  "FlushAll",
  "MetaSet",
  "MetaDelete",
  "MetaArithmetic"
])
/** Those, and the reads that may change an item too (gat, mg with T or N): a batch with one waits for its fsync. */
const CHANGING = new Set([...ACKNOWLEDGED, "Gat", "Gats", "MetaGet"])

/** The reply to a write whose log record could not be made durable (`always` mode). */
const persistenceFailed = Res.ServerError.make({ message: "persistence failed" })

/** Persistence's service; its Layer also provides the `Store`. */
export class Persistence extends Context.Tag("effcached/Persistence")<Persistence, PersistenceShape>() {
  /** The persistent store over `--data-dir` (see the module comment). */
  static layer(options: PersistenceOptions = {}): Layer.Layer<Store | Persistence, PersistenceError, ServerConfig> {
    return Layer.scopedContext(make(options))
  }
}

const make = (options: PersistenceOptions) =>
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const dir = config.dataDir
    const files = options.files ?? nodeFileOps
    if (dir === null) return yield* new PersistenceError({ message: "persistence needs --data-dir", exitCode: 64 })
    const started = performance.now()
    yield* Effect.try({
      try: () => fs.mkdirSync(dir, { recursive: true }),
      catch: (e) => new PersistenceError({ message: `cannot create data dir ${dir}: ${code(e)}`, exitCode: 73 })
    })
    const locked = DataDir.lock(dir)
    if (locked._tag === "Held") {
      return yield* new PersistenceError({
        message: `data dir ${dir} is locked by process ${locked.pid}`,
        exitCode: 75
      })
    }
    if (locked._tag === "Failed") return yield* new PersistenceError({ message: locked.message, exitCode: 73 })
    // Released last, after the log is closed.
    yield* Effect.addFinalizer(() => Effect.sync(() => DataDir.unlock(locked.path)))

    const listing = DataDir.list(dir)
    for (const tmp of listing.temporary) fs.rmSync(tmp, { force: true })
    const audit = Manifest.audit(dir, listing)
    const tables: Array<ItemTable> = []
    const store = yield* PartitionedStore.make({
      partitions: config.partitions,
      maxItemSize: config.maxItemSize,
      memoryLimit: config.memoryLimit,
      evict: config.evictions,
      makeTable: (tableOptions) => {
        const table = new ItemTable(tableOptions)
        tables.push(table)
        return table
      }
    })
    const now = Math.floor((yield* Effect.clockWith((clock) => clock.currentTimeMillis)) / 1000)
    const report = restore(listing, tables, now)
    // Part of the startup report, so shown at every verbosity (warnings wait for -v).
    for (const problem of [...audit.problems, ...report.problems]) {
      yield* Effect.logInfo(`persistence: dropped: ${problem}`)
    }

    const clock = yield* Effect.clock
    const counters = { errors: 0 }
    const errors = new ErrorLog()
    const reportError = (kind: string, message: string) => {
      counters.errors++
      errors.record(kind, message, clock.unsafeCurrentTimeMillis())
    }
    const writer = new LogWriter({
      files,
      mode: config.appendfsync,
      onError: (what, error) => reportError(`${what} ${error.code ?? "error"}`, error.message)
    })
    const journal = { writer, snapshotting: false }
    tables.forEach((table, i) => (table.journal = partitionJournal(journal, i, tables.length)))
    const manifest = new ManifestWriter(dir, files, Manifest.ofListing(listing))
    // A new log never takes the generation of one the manifest names, even if that file is gone; an
    // empty newest log (a start that wrote nothing) is replaced, not left behind.
    const lastGen = Math.max(report.lastGen, audit.lastGen)
    const gen = DataDir.takeEmptyLog(listing, lastGen, LOG_HEADER)?.gen ?? lastGen + 1
    const snapshots = new Snapshots({ dir, files, store, tables, journal, gen, reportError, manifest })
    yield* snapshots.startLog.pipe(
      Effect.mapError((e) => new PersistenceError({ message: e.message, exitCode: 73 }))
    )
    const restoreSeconds = (performance.now() - started) / 1000
    yield* Effect.logInfo(
      `persistence: restored ${report.restored} items from ${dir} in ${restoreSeconds.toFixed(3)} s` +
        (report.dropped > 0 ? `, ${report.dropped} damaged records dropped` : "")
    )

    // Errors wait for -v elsewhere; a failing disk is worth a line at every verbosity (memcached prints
    // its errors even without -v), so at verbosity 0 these go out at info level.
    const logLine = config.verbosity > 0 ? Effect.logError : Effect.logInfo
    const takeErrors = (final: boolean) =>
      Effect.suspend(() =>
        Effect.forEach(errors.take(clock.unsafeCurrentTimeMillis(), final), (line) => logLine(line), {
          discard: true
        })
      )
    const logErrors = takeErrors(false)
    if (config.appendfsync === "everysec") {
      yield* Effect.sync(() => writer.sync()).pipe(
        Effect.zipRight(logErrors),
        Effect.repeat(Schedule.spaced("1 second")),
        Effect.forkScoped
      )
    } else {
      yield* logErrors.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.forkScoped)
    }
    yield* snapshots.schedule(config.snapshotInterval, config.memoryLimit).pipe(Effect.forkScoped)
    yield* Effect.addFinalizer(() =>
      snapshots.finalSnapshot.pipe(
        Effect.zipRight(Effect.async<void>((resume) => writer.close(() => resume(Effect.void)))),
        Effect.zipRight(snapshots.closeManifest.pipe(
          Effect.catchAll((error) => Effect.sync(() => reportError("manifest", error.message)))
        )),
        Effect.zipRight(takeErrors(true)),
        Effect.zipRight(Effect.logInfo(`persistence: log closed in ${dir}`))
      )
    )

    const stats: Effect.Effect<ReadonlyArray<readonly [string, string]>> = Effect.sync(() => [
      ["persist_appendfsync", config.appendfsync],
      ["persist_restored_items", String(report.restored)],
      ["persist_restore_dropped", String(report.dropped)],
      ["persist_restore_seconds", restoreSeconds.toFixed(6)],
      ["persist_snapshots", String(snapshots.count)],
      ["persist_snapshot_in_progress", snapshots.inProgress ? "1" : "0"],
      ["persist_last_snapshot_time", String(snapshots.lastTime)],
      ["persist_last_snapshot_seconds", snapshots.lastSeconds.toFixed(6)],
      ["persist_log_bytes", String(writer.fileBytes)],
      ["persist_fsyncs", String(writer.fsyncs)],
      ["persist_errors", String(counters.errors)]
    ])

    const execute = config.appendfsync === "always"
      ? durableExecute(store.execute, writer)
      : boundedExecute(store.execute, writer)
    const wrapped: StoreShape = { ...store, execute, extraStats: stats }
    const service: PersistenceShape = {
      stats,
      snapshot: snapshots.take,
      sync: Effect.async<void>((resume) => {
        writer.sync()
        writer.whenDurable(writer.appended, () => resume(Effect.void))
      })
    }
    return Context.make(Store, wrapped).pipe(Context.add(Persistence, service))
  })

/**
 * `always`: the batch is answered once the fsync covering its changes is done (one fsync per group of
 * batches); a write whose record could not be made durable answers `SERVER_ERROR persistence failed`.
 */
const durableExecute = (execute: StoreShape["execute"], writer: LogWriter) => (batch: Batch): Effect.Effect<void> =>
  Effect.flatMap(execute(batch), () => {
    if (writer.durable >= writer.appended || !writes(batch)) return Effect.void
    return Effect.async<void>((resume) =>
      writer.whenDurable(writer.appended, (durable) => {
        if (!durable) failWrites(batch)
        resume(Effect.void)
      })
    )
  })

/** Most log bytes waiting to be written in `everysec` and `no` before writing batches wait for the disk. */
export const MAX_UNWRITTEN = 16 * 1024 * 1024

/**
 * `everysec` and `no`: a batch that changed items is answered at once, unless more than
 * {@link MAX_UNWRITTEN} bytes of log wait to be written (a disk slower than the writes): then once
 * they are down to that, so the log buffer stays bounded (a failing disk releases the wait; see
 * LogWriter.whenDrained).
 */
const boundedExecute = (execute: StoreShape["execute"], writer: LogWriter) => (batch: Batch): Effect.Effect<void> =>
  Effect.flatMap(execute(batch), () => {
    if (writer.pending <= MAX_UNWRITTEN || !writes(batch)) return Effect.void
    return Effect.async<void>((resume) => writer.whenDrained(MAX_UNWRITTEN, () => resume(Effect.void)))
  })

/** Whether the batch has a request for the store that may change an item. */
const writes = (batch: Batch): boolean => {
  const requests = batch.requests
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]
    if (request !== undefined && CHANGING.has(request._tag)) return true
  }
  return false
}

const failWrites = (batch: Batch): void => {
  const { requests, results } = batch
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]
    if (request !== undefined && ACKNOWLEDGED.has(request._tag)) results[i] = persistenceFailed
  }
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e)
