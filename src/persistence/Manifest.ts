/**
 * The data dir's manifest, `MANIFEST`: which snapshot is in use and which logs follow it, each with the
 * size it must have at least. The directory listing alone cannot tell a deleted file from one never
 * written (only a gap in generation numbers shows); the manifest can, so a restore names a snapshot or
 * log that is missing or shorter than it was when closed.
 *
 * The manifest only detects: the restore itself still reads what the listing holds (DataDir, Restore),
 * so a manifest a crash left one step behind (a log opened, or a snapshot renamed, before the manifest
 * naming it was written) loses nothing. It is rewritten (to a temporary file, fsynced, renamed, the
 * folder fsynced) when a log starts, when a snapshot completes (before the older files are deleted, so
 * it never names a file deleted on purpose) and at shutdown (the last log's final size).
 *
 * Format, little-endian: `EFFCMANF`, u32 version (1), u32 log count n, u32 snapshot generation
 * (0xffffffff: none), u64 snapshot bytes, n x (u32 generation, u64 bytes), u32 CRC-32 of all before.
 * The file must be exactly that long: a flipped bit, a truncation or appended bytes make it damaged.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { crc32 } from "./Crc32.js"
import * as DataDir from "./DataDir.js"
import { fileOp, FileOpError, type FileOps } from "./FileOps.js"
import { LOG_HEADER } from "./Format.js"

/** A file the manifest names: its generation and the bytes it must hold at least. */
export interface ManifestEntry {
  readonly gen: number
  readonly bytes: number
}

/** What the manifest says. */
export interface Manifest {
  /** The snapshot the logs follow; undefined before the first snapshot. */
  readonly snapshot: ManifestEntry | undefined
  /** The logs, oldest first. */
  readonly logs: ReadonlyArray<ManifestEntry>
}

/** The manifest's file name in the data dir. */
export const MANIFEST = "MANIFEST"
const MAGIC = "EFFCMANF"
const VERSION = 1
const NONE = 0xffffffff
const HEAD = 28
const ENTRY = 12
/** More logs than any data dir holds (one per start or snapshot): a count beyond it is damage. */
const MAX_LOGS = 1 << 20

/** The manifest's bytes. */
export const encode = (manifest: Manifest): Buffer => {
  const buf = Buffer.alloc(HEAD + ENTRY * manifest.logs.length + 4)
  buf.write(MAGIC, 0, "latin1")
  buf.writeUInt32LE(VERSION, 8)
  buf.writeUInt32LE(manifest.logs.length, 12)
  buf.writeUInt32LE(manifest.snapshot?.gen ?? NONE, 16)
  buf.writeBigUInt64LE(BigInt(manifest.snapshot?.bytes ?? 0), 20)
  manifest.logs.forEach((log, i) => {
    buf.writeUInt32LE(log.gen, HEAD + ENTRY * i)
    buf.writeBigUInt64LE(BigInt(log.bytes), HEAD + ENTRY * i + 4)
  })
  buf.writeUInt32LE(crc32(buf, 0, buf.length - 4), buf.length - 4)
  return buf
}

/** A manifest read back, or why it cannot be trusted. */
export type Decoded =
  | { readonly _tag: "Manifest"; readonly manifest: Manifest }
  | { readonly _tag: "Damaged"; readonly reason: string }

/** Reads a manifest's bytes (see the module comment); anything but an exact, intact file is damaged. */
export const decode = (buf: Buffer): Decoded => {
  const damaged = (reason: string): Decoded => ({ _tag: "Damaged", reason })
  if (buf.length < HEAD + 4 || buf.toString("latin1", 0, 8) !== MAGIC) return damaged("not a manifest")
  const count = buf.readUInt32LE(12)
  if (count > MAX_LOGS || buf.length !== HEAD + ENTRY * count + 4) return damaged("wrong length")
  if (buf.readUInt32LE(buf.length - 4) !== crc32(buf, 0, buf.length - 4)) return damaged("checksum mismatch")
  const version = buf.readUInt32LE(8)
  if (version !== VERSION) return damaged(`unknown version ${version}`)
  const bytes = (off: number) => Number(buf.readBigUInt64LE(off))
  const snapshotGen = buf.readUInt32LE(16)
  const logs = Array.from({ length: count }, (_, i) => ({
    gen: buf.readUInt32LE(HEAD + ENTRY * i),
    bytes: bytes(HEAD + ENTRY * i + 4)
  }))
  return {
    _tag: "Manifest",
    manifest: { snapshot: snapshotGen === NONE ? undefined : { gen: snapshotGen, bytes: bytes(20) }, logs }
  }
}

/** What {@link audit} found. */
export interface Audit {
  readonly problems: ReadonlyArray<string>
  readonly lastGen: number
}

/** The size of `file`, or undefined if it does not exist. */
const sizeOf = (file: string): number | undefined => {
  try {
    return fs.statSync(file).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
}

/** What a data dir holds, as a manifest naming it (sizes as they are now): the one a start writes. */
export const ofListing = (listing: DataDir.Listing): Manifest => {
  const snapshot = listing.snapshots[listing.snapshots.length - 1]
  const from = snapshot?.gen ?? -1
  const entry = (file: DataDir.GenFile) => ({ gen: file.gen, bytes: sizeOf(file.path) ?? 0 })
  return {
    snapshot: snapshot === undefined ? undefined : entry(snapshot),
    logs: listing.logs.filter((log) => log.gen >= from).map(entry)
  }
}

/**
 * Compares `dir`'s manifest with what the directory holds (startup): a line for every file it names
 * that the restore needs and is missing or shorter than it must be, and one if the manifest itself is
 * missing (in a data dir that holds files) or damaged. Files older than the newest snapshot present are
 * not needed, so not checked. `lastGen`: the newest generation it names (-1: none), which a new log
 * must not reuse even if that file is gone.
 */
export const audit = (dir: string, listing: DataDir.Listing): Audit => {
  const file = path.join(dir, MANIFEST)
  const fallback = "restored from the directory listing, which cannot tell whether a newer snapshot or log was deleted"
  let buf: Buffer
  try {
    buf = fs.readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    if (code !== "ENOENT") return { problems: [`${file}: cannot be read (${code}); ${fallback}`], lastGen: -1 }
    const empty = listing.snapshots.length === 0 && listing.logs.length === 0
    return { problems: empty ? [] : [`${file} is missing; ${fallback}`], lastGen: -1 }
  }
  const decoded = decode(buf)
  if (decoded._tag === "Damaged") {
    return { problems: [`${file}: damaged (${decoded.reason}), ignored; ${fallback}`], lastGen: -1 }
  }
  const { logs, snapshot } = decoded.manifest
  const from = listing.snapshots[listing.snapshots.length - 1]?.gen ?? -1
  const problems: Array<string> = []
  const check = (named: ManifestEntry, where: string, lost: string) => {
    if (named.gen < from) return
    const size = sizeOf(where)
    if (size === undefined) problems.push(`${where}: named by ${MANIFEST} (${named.bytes} bytes) but missing; ${lost}`)
    else if (size < named.bytes) {
      problems.push(
        `${where}: ${size} bytes, ${MANIFEST} says at least ${named.bytes}: truncated, what it held past that is lost`
      )
    }
  }
  if (snapshot !== undefined) {
    check(
      snapshot,
      DataDir.snapshotPath(dir, snapshot.gen),
      "its items are not restored, only what the later logs changed"
    )
  }
  for (const log of logs) {
    check(log, DataDir.logPath(dir, log.gen), "its changes are lost (a key may come back older, or not at all)")
  }
  return { problems, lastGen: Math.max(snapshot?.gen ?? -1, ...logs.map((log) => log.gen)) }
}

/**
 * Keeps the data dir's manifest: the state in memory, rewritten whole on every change (see the module
 * comment). Writes run one at a time, each to its own temporary name, so an interrupted one cannot
 * clobber the next.
 */
export class ManifestWriter {
  private state: Manifest
  private readonly lock = Effect.unsafeMakeSemaphore(1)
  private writes = 0

  constructor(private readonly dir: string, private readonly files: FileOps, initial: Manifest) {
    this.state = initial
  }

  /** What the manifest says now. */
  get current(): Manifest {
    return this.state
  }

  /**
   * Log `gen` started (replacing an empty one of that generation, if named); the log before it, if this
   * run had one open, was closed at `closed.bytes`.
   */
  logStarted(gen: number, closed: ManifestEntry | undefined): Effect.Effect<void, FileOpError> {
    return this.update(({ logs, snapshot }) => ({
      snapshot,
      logs: [
        ...logs.filter((log) => log.gen !== gen).map((log) => (log.gen === closed?.gen ? closed : log)),
        { gen, bytes: LOG_HEADER }
      ]
    }))
  }

  /** Snapshot `gen` (`bytes` long) is complete: it and the logs from its generation on are the state. */
  snapshotDone(gen: number, bytes: number): Effect.Effect<void, FileOpError> {
    return this.update(({ logs }) => ({ snapshot: { gen, bytes }, logs: logs.filter((log) => log.gen >= gen) }))
  }

  /** Log `gen` was closed at shutdown with `bytes` in it. */
  closed(gen: number, bytes: number): Effect.Effect<void, FileOpError> {
    return this.update(({ logs, snapshot }) => ({
      snapshot,
      logs: logs.some((log) => log.gen === gen)
        ? logs.map((log) => (log.gen === gen ? { gen, bytes } : log))
        : [...logs, { gen, bytes }]
    }))
  }

  /** Writes the manifest as it is now (at start, naming what the restore found). */
  get write(): Effect.Effect<void, FileOpError> {
    return this.update((manifest) => manifest)
  }

  private update(change: (manifest: Manifest) => Manifest): Effect.Effect<void, FileOpError> {
    const { dir, files } = this
    return Effect.suspend(() => {
      this.state = change(this.state)
      const bytes = encode(this.state)
      const final = path.join(dir, MANIFEST)
      const tmp = `${final}.${this.writes++}.tmp`
      const body = Effect.gen(function*() {
        const fd = yield* fileOp<number>("create", tmp, (done) => files.open(tmp, false, done))
        const written = Effect.gen(function*() {
          const n = yield* fileOp<number>("write", tmp, (done) => files.writev(fd, [bytes], 0, done))
          if (n !== bytes.length) return yield* Effect.fail(new FileOpError(`cannot write ${tmp}: short write`))
          yield* fileOp<void>("fsync", tmp, (done) => files.fsync(fd, (e) => done(e, undefined)))
        })
        yield* written.pipe(Effect.ensuring(Effect.async<void>((resume) => files.close(fd, () => resume(Effect.void)))))
        yield* fileOp<void>("rename", tmp, (done) => files.rename(tmp, final, (e) => done(e, undefined)))
        yield* fileOp<void>("fsync the folder", dir, (done) => files.fsyncDir(dir, (e) => done(e, undefined)))
      })
      return body.pipe(
        Effect.tapError(() => Effect.async<void>((resume) => files.unlink(tmp, () => resume(Effect.void))))
      )
    }).pipe(this.lock.withPermits(1))
  }
}
