/**
 * The file operations persistence writes with at run time, as an object so that tests can inject
 * failures (ENOSPC, EIO) without a tiny filesystem. Node-style callbacks, never the synchronous calls:
 * the log writer and snapshots run beside request serving and must not block the event loop.
 * (Startup, which runs before the listener accepts, reads and lists with node:fs directly.)
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"

/** A callback with an error, or none. */
export type Done = (error: NodeJS.ErrnoException | null) => void

/** What persistence does to files while the server runs. */
export interface FileOps {
  /** Creates `path` for writing (emptied if it exists; `exclusive`: fails if it exists). */
  readonly open: (
    path: string,
    exclusive: boolean,
    done: (error: NodeJS.ErrnoException | null, fd: number) => void
  ) => void
  /** Writes `buffers` at `position`; reports how many bytes were written (possibly fewer). */
  readonly writev: (
    fd: number,
    buffers: ReadonlyArray<Uint8Array>,
    position: number,
    done: (error: NodeJS.ErrnoException | null, written: number) => void
  ) => void
  /** Flushes the file to stable storage. */
  readonly fsync: (fd: number, done: Done) => void
  readonly close: (fd: number, done: Done) => void
  readonly rename: (from: string, to: string, done: Done) => void
  readonly unlink: (path: string, done: Done) => void
  /** Flushes a folder's entries (after a rename or a new file) to stable storage. */
  readonly fsyncDir: (path: string, done: Done) => void
}

/** The real file system. */
export const nodeFileOps: FileOps = {
  open: (path, exclusive, done) => fs.open(path, exclusive ? "wx" : "w", 0o600, done),
  writev: (fd, buffers, position, done) => fs.writev(fd, buffers as Array<Uint8Array>, position, done),
  fsync: (fd, done) => fs.fsync(fd, done),
  close: (fd, done) => fs.close(fd, done),
  rename: (from, to, done) => fs.rename(from, to, done),
  unlink: (path, done) => fs.unlink(path, done),
  fsyncDir: (path, done) =>
    fs.open(path, "r", (error, fd) => {
      if (error !== null) return done(error)
      fs.fsync(fd, (syncError) => fs.close(fd, () => done(syncError)))
    })
}

/** A file operation failed at run time; the message names the file and the error code. */
export class FileOpError {
  readonly _tag = "FileOpError"
  constructor(readonly message: string) {}
}

/** Runs a callback-style file operation as an Effect; a failure says `cannot <what> <path>: <code>`. */
export const fileOp = <A>(
  what: string,
  path: string,
  run: (done: (error: NodeJS.ErrnoException | null, value: A) => void) => void
): Effect.Effect<A, FileOpError> =>
  Effect.async<A, FileOpError>((resume) =>
    run((error, value) =>
      resume(
        error === null
          ? Effect.succeed(value)
          : Effect.fail(new FileOpError(`cannot ${what} ${path}: ${error.code ?? error.message}`))
      )
    )
  )
