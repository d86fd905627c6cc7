/**
 * Taking snapshots (see Snapshot.ts for why the result is consistent): rotate the log, walk each
 * partition a slice at a time writing blocks to `snapshot-<gen>.snap.tmp`, then fsync, rename, fsync
 * the folder, and only then delete the older snapshot and logs. One block is in memory at a time, so a
 * snapshot costs a few buffers, not a copy of the items. A snapshot that fails leaves the older files,
 * which still hold the state with the new log.
 *
 * Snapshots run every `--snapshot-interval` seconds, and sooner when the log outgrows the memory limit
 * (at least 64 MB), or when the log lost data to disk errors (only a new snapshot makes it whole);
 * after a failed snapshot, not again for 30 s.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { ItemTable } from "../store/ItemTable.js"
import type { PartitionedStore } from "../store/PartitionedStore.js"
import * as DataDir from "./DataDir.js"
import { fileOp as io, FileOpError, type FileOps } from "./FileOps.js"
import { endBlock, logHeader, snapshotHeader } from "./Format.js"
import type { JournalState } from "./Journal.js"
import type { ManifestWriter } from "./Manifest.js"
import { SnapshotCursor } from "./Snapshot.js"

/** How long after a failed snapshot the next may start. */
const RETRY_MS = 30_000

/** Logs smaller than this are replayed at the next start rather than snapshotted at shutdown. */
const FINAL_MIN_LOG = 1024 * 1024

/** Log size that triggers a snapshot before the interval: at least this, or the memory limit. */
const MIN_LOG_TRIGGER = 64 * 1024 * 1024

/** What snapshots need. */
export interface SnapshotsOptions {
  readonly dir: string
  readonly files: FileOps
  readonly store: PartitionedStore
  readonly tables: ReadonlyArray<ItemTable>
  readonly journal: JournalState
  /** The generation of the first log this run writes. */
  readonly gen: number
  /** Counts and logs a failure (persist_errors; rate-limited lines per kind). */
  readonly reportError: (kind: string, message: string) => void
  /** The data dir's manifest, told of every new log and snapshot. */
  readonly manifest: ManifestWriter
}

/** The snapshots of one data dir. */
export class Snapshots {
  /** Snapshots completed. */
  count = 0
  inProgress = false
  /** Unix seconds when the last completed snapshot started; 0 if none. */
  lastTime = 0
  /** How long it took, in seconds. */
  lastSeconds = 0
  private gen: number
  /** The generation of the log being written, once one is open. */
  private logGen: number | undefined = undefined
  private startedAt = 0
  /** When the last snapshot failed (Clock ms): the next waits {@link RETRY_MS}, not one second. */
  private failedAt = -Infinity

  constructor(private readonly options: SnapshotsOptions) {
    this.gen = options.gen
  }

  /** Opens the first log of this run (before serving). */
  get startLog(): Effect.Effect<void, FileOpError> {
    return Effect.zipRight(
      this.rotate(this.gen),
      Effect.map(Clock.currentTimeMillis, (now) => void (this.startedAt = now))
    )
  }

  private rotate(gen: number): Effect.Effect<void, FileOpError> {
    const { dir, files, journal, manifest } = this.options
    const path = DataDir.logPath(dir, gen)
    return Effect.gen(this, function*() {
      yield* io<void>("create", path, (done) => journal.writer.rotate(path, logHeader(gen), (e) => done(e, undefined)))
      yield* io<void>("fsync the folder", dir, (done) => files.fsyncDir(dir, (e) => done(e, undefined)))
      const previous = this.logGen
      const bytes = journal.writer.closedBytes
      this.logGen = gen
      yield* manifest.logStarted(
        gen,
        previous === undefined || bytes === undefined ? undefined : { gen: previous, bytes }
      )
    })
  }

  /** At shutdown, once the log is closed: the manifest records its final size. */
  get closeManifest(): Effect.Effect<void, FileOpError> {
    const bytes = this.options.journal.writer.closedBytes
    const gen = this.logGen
    return gen === undefined || bytes === undefined ? Effect.void : this.options.manifest.closed(gen, bytes)
  }

  /**
   * At shutdown: a last snapshot when the logs since the last one hold more than twice the live item
   * bytes (so most of what they hold is superseded): writing the items once then saves the next start
   * replaying more than that. Otherwise nothing: a snapshot costs writing every live byte.
   */
  get finalSnapshot(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const { journal, manifest, tables } = this.options
      // Closed logs as the manifest has them; the current one as written, and what waits to be.
      const logged = manifest.current.logs.reduce((sum, log) => sum + (log.gen === this.logGen ? 0 : log.bytes), 0) +
        journal.writer.fileBytes + journal.writer.pending
      const live = tables.reduce((sum, table) => sum + table.counters.bytes, 0)
      return logged > FINAL_MIN_LOG && logged > 2 * live ? this.take : Effect.void
    })
  }

  /** Takes a snapshot now, unless one is in progress; failures are logged and counted. */
  get take(): Effect.Effect<void> {
    return Effect.flatMap(Clock.currentTimeMillis, (startedAt) => {
      if (this.inProgress) return Effect.void
      this.inProgress = true
      this.startedAt = startedAt
      const began = performance.now()
      return this.write.pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            this.count++
            this.lastTime = Math.floor(startedAt / 1000)
            this.lastSeconds = (performance.now() - began) / 1000
          })
        ),
        Effect.catchAll((error) =>
          Effect.sync(() => {
            this.options.reportError("snapshot failed", error.message)
            this.failedAt = startedAt
          })
        ),
        Effect.ensuring(Effect.sync(() => {
          this.inProgress = false
          this.options.journal.snapshotting = false
        }))
      )
    })
  }

  private get write(): Effect.Effect<void, FileOpError> {
    const { dir, files, journal, store, tables } = this.options
    return Effect.gen(this, function*() {
      const gen = ++this.gen
      // The cut: from here every change (and every record cleaning moves) is in the new log.
      const flushedUntil = tables.reduce((max, table) => Math.max(max, table.flushedUntil), 0)
      journal.snapshotting = true
      journal.writer.lost = false
      yield* this.rotate(gen)
      const final = DataDir.snapshotPath(dir, gen)
      const tmp = `${final}.tmp`
      const fd = yield* io<number>("create", tmp, (done) => files.open(tmp, true, done))
      let position = 0
      const append = (buf: Buffer) =>
        Effect.flatMap(
          io<number>("write", tmp, (done) => files.writev(fd, [buf], position, done)),
          (written) => {
            position += written
            return written === buf.length
              ? Effect.void
              : Effect.fail(new FileOpError(`cannot write ${tmp}: short write`))
          }
        )
      const body = Effect.gen(function*() {
        yield* append(snapshotHeader(gen, flushedUntil))
        let count = 0
        for (let p = 0; p < store.partitionCount; p++) {
          const cursor = new SnapshotCursor()
          for (;;) {
            const slice = yield* store.runIn(p, (table, now) => cursor.slice(table, now))
            if (slice === undefined) break
            if (slice.count === 0) continue
            count += slice.count
            yield* append(slice.block)
          }
        }
        yield* append(endBlock(count))
        yield* io<void>("fsync", tmp, (done) => files.fsync(fd, (e) => done(e, undefined)))
      })
      yield* body.pipe(
        Effect.ensuring(Effect.async<void>((resume) => files.close(fd, () => resume(Effect.void)))),
        Effect.tapError(() => Effect.async<void>((resume) => files.unlink(tmp, () => resume(Effect.void))))
      )
      yield* io<void>("rename", tmp, (done) => files.rename(tmp, final, (e) => done(e, undefined)))
      yield* io<void>("fsync the folder", dir, (done) => files.fsyncDir(dir, (e) => done(e, undefined)))
      journal.snapshotting = false
      yield* this.options.manifest.snapshotDone(gen, position)
      // Only now are the older files redundant (and the manifest no longer names them).
      const listing = DataDir.list(dir)
      for (const old of [...listing.snapshots, ...listing.logs]) {
        if (old.gen < gen) yield* Effect.async<void>((resume) => files.unlink(old.path, () => resume(Effect.void)))
      }
    })
  }

  /** Snapshots on schedule (see the module comment), checked once a second. */
  schedule(intervalSeconds: number, memoryLimit: number): Effect.Effect<void> {
    const trigger = Math.max(MIN_LOG_TRIGGER, memoryLimit)
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const writer = this.options.journal.writer
      const due = (intervalSeconds > 0 && now - this.startedAt >= intervalSeconds * 1000) ||
        writer.fileBytes > trigger || writer.lost
      // A failing disk is not hammered with a snapshot (and a new log file) every second.
      return due && now - this.failedAt >= RETRY_MS ? this.take : Effect.void
    }).pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.asVoid)
  }
}
