/**
 * The change log's writer. Partitions append frames synchronously into an in-memory buffer while
 * they run a batch (no I/O, no allocation but a new 256 KB chunk now and then); the writer writes what
 * has gathered in one `writev` at the end of the event-loop turn (setImmediate), so a process crash
 * loses at most the turn in flight, and fsyncs as the mode says:
 *
 * - `always`: every write is followed by an fsync, and whoever waits for a position (`whenDurable`)
 *   is called back once an fsync covers it. Batches that arrive during an fsync share the next one:
 *   group commit, one fsync per group, never one per request.
 * - `everysec`: `sync()` is called once a second by the owner; `no`: never, but on rotation and close.
 *
 * Positions are byte counts of everything appended since start, across files. Operations run one at a
 * time, in order: data, fsync, rotation to a new file, close. A failed write keeps its data and is
 * retried on the next turn, at the same file offset (so a torn tail is overwritten, not left in the
 * middle of the log); past {@link MAX_PENDING} bytes (or once closing) the data is dropped and `lost`
 * is set, which tells the owner that only a new snapshot makes the files whole again.
 *
 * @module
 */
import type { AppendFsync } from "../config/ServerConfig.js"
import type { FileOps } from "./FileOps.js"
import { FRAME_HEADER, sealFrame } from "./Format.js"

/** Size of an append chunk. */
const CHUNK = 256 * 1024
/** Most bytes kept for retrying while the disk fails; beyond it they are dropped (see module comment). */
const MAX_PENDING = 64 * 1024 * 1024

type Op =
  | { t: "data"; bufs: Array<Buffer>; bytes: number; end: number; started: boolean }
  | { t: "sync" }
  | { t: "rotate"; path: string; header: Buffer; done: (error: NodeJS.ErrnoException | null) => void }
  | { t: "close"; done: () => void }

/** Options of the writer. */
export interface LogWriterOptions {
  readonly files: FileOps
  readonly mode: AppendFsync
  /** Called on every failed operation (`what`: write, fsync, open, ...); the owner counts and logs. */
  readonly onError: (what: string, error: NodeJS.ErrnoException) => void
  /** Schedules the writer's turn; setImmediate by default. */
  readonly schedule?: (run: () => void) => void
}

/** Appends frames and writes them out (see the module comment). */
export class LogWriter {
  /** The chunk frames are appended to; a payload is written at the offset `begin` returns. */
  chunk = Buffer.allocUnsafe(CHUNK)
  private pos = 0
  private sealedTo = 0
  private frameStart = 0
  private closing = false
  private readonly queue: Array<Op> = []
  private busy = false
  private scheduled = false
  private fd = -1
  private position = 0
  private readonly waiterSeqs: Array<number> = []
  private readonly waiterDone: Array<(durable: boolean) => void> = []
  private readonly drainLimits: Array<number> = []
  private readonly drainDone: Array<() => void> = []
  private readonly schedule: (run: () => void) => void
  /** Bytes appended since start. */
  appended = 0
  /** Bytes written to the kernel. */
  written = 0
  /** Bytes known to be on stable storage. */
  durable = 0
  /** Fsyncs done. */
  fsyncs = 0
  /** Bytes in the current log file. */
  fileBytes = 0
  /** Set when appended data had to be dropped after failures: the log alone no longer has every change. */
  lost = false
  /** Bytes in the file the last rotation or close closed (undefined: no file was open then). */
  closedBytes: number | undefined = undefined

  constructor(private readonly options: LogWriterOptions) {
    this.schedule = options.schedule ?? ((run) => void setImmediate(run))
  }

  /** Starts a frame of `type` with a `length`-byte payload; returns where in {@link chunk} the payload goes. */
  begin(type: number, length: number): number {
    const need = FRAME_HEADER + length
    if (this.pos + need > this.chunk.length) {
      this.sealCurrent()
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, need))
      this.pos = 0
      this.sealedTo = 0
    }
    this.frameStart = this.pos
    this.chunk[this.pos + 8] = type
    return this.pos + FRAME_HEADER
  }

  /** Completes the frame `begin` started (`length` as given there) and schedules its write. */
  commit(length: number): void {
    sealFrame(this.chunk, this.frameStart, length)
    const size = FRAME_HEADER + length
    this.pos += size
    this.appended += size
    this.kick()
  }

  /** Calls `done(true)` once every byte up to `seq` is on stable storage, `done(false)` if that failed. */
  whenDurable(seq: number, done: (durable: boolean) => void): void {
    if (this.durable >= seq) return done(true)
    this.waiterSeqs.push(seq)
    this.waiterDone.push(done)
    this.kick()
  }

  /**
   * Calls `done` once at most `limit` bytes wait to be written (at once if that is so already), or once a
   * write fails: backpressure for a disk slower than the writes, never a stall on a failing one (whose
   * data is kept or dropped as the module comment says).
   */
  whenDrained(limit: number, done: () => void): void {
    if (this.pending <= limit) return done()
    this.drainLimits.push(limit)
    this.drainDone.push(done)
    this.kick()
  }

  /** Fsyncs what has been written so far (everysec's tick). */
  sync(): void {
    if (this.appended > this.durable && !this.queue.some((op) => op.t === "sync")) {
      this.sealCurrent()
      this.queue.push({ t: "sync" })
      this.kick()
    }
  }

  /**
   * Continues the log in a new file at `path` (its `header` first): what was appended before this call
   * goes to the old file, which is fsynced and closed; `done` once the new file is open.
   */
  rotate(path: string, header: Buffer, done: (error: NodeJS.ErrnoException | null) => void): void {
    this.sealCurrent()
    this.queue.push({ t: "rotate", path, header, done })
    this.kick()
  }

  /** Writes and fsyncs everything appended, closes the file, then calls `done` (shutdown). */
  close(done: () => void): void {
    // A write failing now is not retried: shutdown must not wait for a disk that stays full.
    this.closing = true
    this.sealCurrent()
    this.queue.push({ t: "close", done })
    this.kick()
  }

  /** Bytes appended but not yet written. */
  get pending(): number {
    return this.appended - this.written
  }

  private sealCurrent(): void {
    if (this.pos === this.sealedTo) return
    const buf = this.chunk.subarray(this.sealedTo, this.pos)
    this.sealedTo = this.pos
    const last = this.queue[this.queue.length - 1]
    // Never into an operation already handed to the kernel (or fsyncing): it is dropped once done.
    if (last !== undefined && last.t === "data" && !last.started) {
      last.bufs.push(buf)
      last.bytes += buf.length
      last.end = this.appended
    } else {
      this.queue.push({ t: "data", bufs: [buf], bytes: buf.length, end: this.appended, started: false })
    }
  }

  private kick(): void {
    if (this.scheduled || this.busy) return
    this.scheduled = true
    this.schedule(this.step)
  }

  private readonly step = (): void => {
    this.scheduled = false
    if (this.busy) return
    this.sealCurrent()
    const op = this.queue[0]
    if (op === undefined) return
    this.busy = true
    switch (op.t) {
      case "data":
        return this.writeData(op)
      case "sync":
        return this.fsync(() => this.next())
      case "rotate":
        return this.fsync(() => this.openFile(op))
      case "close":
        return this.fsync(() => {
          const fd = this.fd
          this.fd = -1
          this.closedBytes = fd < 0 ? undefined : this.fileBytes
          if (fd < 0) return this.finish(op.done)
          this.options.files.close(fd, () => this.finish(op.done))
        })
    }
  }

  private finish(done: () => void): void {
    this.queue.shift()
    this.busy = false
    done()
    this.step()
  }

  private next(): void {
    this.queue.shift()
    this.busy = false
    this.step()
  }

  private writeData(op: Extract<Op, { t: "data" }>): void {
    if (this.fd < 0) {
      // No file (it could not be opened): keep the data for when one is, within the limit.
      this.busy = false
      return this.failed(op)
    }
    op.started = true
    this.options.files.writev(this.fd, op.bufs, this.position, (error, written) => {
      if (error !== null) {
        this.options.onError("write", error)
        this.busy = false
        return this.failed(op)
      }
      this.position += written
      this.fileBytes += written
      this.written += written
      if (this.drainDone.length > 0) this.releaseDrained(false)
      if (written < op.bytes) {
        // A short write: the rest goes next, from where it stopped.
        op.bytes -= written
        let skip = written
        while (skip > 0) {
          const first = op.bufs[0]!
          if (first.length <= skip) {
            skip -= first.length
            op.bufs.shift()
          } else {
            op.bufs[0] = first.subarray(skip)
            skip = 0
          }
        }
        this.busy = false
        return this.step()
      }
      if (this.options.mode === "always") return this.fsync(() => this.next())
      this.next()
    })
  }

  /**
   * A write failed: tell every waiter (nothing after the failed data can become durable before it does,
   * and a waiter left waiting would be a client never answered while the disk stays full); drop the
   * data if too much is waiting (see module comment). The next append or sync retries it.
   */
  private failed(op: Extract<Op, { t: "data" }>): void {
    this.failWaiters(Number.POSITIVE_INFINITY)
    this.releaseDrained(true)
    if (this.closing || this.appended - this.written > MAX_PENDING) {
      this.queue.shift()
      this.written += op.bytes
      this.lost = true
      if (this.closing) this.step()
    }
  }

  private fsync(then: () => void): void {
    if (this.fd < 0 || this.durable === this.written) {
      this.resolveWaiters()
      return then()
    }
    const covered = this.written
    this.options.files.fsync(this.fd, (error) => {
      if (error !== null) {
        // After a failed fsync the kernel may have dropped the pages: only a new snapshot is sure.
        this.options.onError("fsync", error)
        this.lost = true
        this.failWaiters(covered)
      } else {
        this.fsyncs++
        this.durable = covered
        this.resolveWaiters()
      }
      then()
    })
  }

  private openFile(op: Extract<Op, { t: "rotate" }>): void {
    const files = this.options.files
    const opened = (error: NodeJS.ErrnoException | null, fd: number) => {
      if (error !== null) {
        this.options.onError("open", error)
        return this.finish(() => op.done(error))
      }
      files.writev(fd, [op.header], 0, (writeError, written) => {
        if (writeError !== null || written !== op.header.length) {
          const failure = writeError ?? Object.assign(new Error("short write of a log header"), { code: "EIO" })
          this.options.onError("write", failure)
          return files.close(fd, () => this.finish(() => op.done(failure)))
        }
        this.fd = fd
        this.position = written
        this.fileBytes = written
        this.finish(() => op.done(null))
      })
    }
    const old = this.fd
    this.fd = -1
    this.closedBytes = old < 0 ? undefined : this.fileBytes
    if (old < 0) files.open(op.path, true, opened)
    else files.close(old, () => files.open(op.path, true, opened))
  }

  /** Calls the {@link whenDrained} waiters whose limit is met now (all of them: `all`). */
  private releaseDrained(all: boolean): void {
    const limits = this.drainLimits
    const done = this.drainDone
    let kept = 0
    const due: Array<() => void> = []
    for (let i = 0; i < limits.length; i++) {
      if (all || this.pending <= limits[i]!) {
        due.push(done[i]!)
      } else {
        limits[kept] = limits[i]!
        done[kept++] = done[i]!
      }
    }
    limits.length = kept
    done.length = kept
    for (const f of due) f()
  }

  private resolveWaiters(): void {
    const seqs = this.waiterSeqs
    let n = 0
    while (n < seqs.length && seqs[n]! <= this.durable) n++
    if (n === 0) return
    seqs.splice(0, n)
    for (const done of this.waiterDone.splice(0, n)) done(true)
  }

  private failWaiters(upTo: number): void {
    const seqs = this.waiterSeqs
    let n = 0
    while (n < seqs.length && seqs[n]! <= upTo) n++
    if (n === 0) return
    seqs.splice(0, n)
    for (const done of this.waiterDone.splice(0, n)) done(false)
  }
}
