/**
 * The data dir's layout and its lock. Names carry a generation number: `snapshot-<gen>.snap` holds the
 * items as of the start of log `log-<gen>.log`, and the state is the newest snapshot plus every log of
 * its generation or later, replayed in order (with no snapshot, every log from the oldest). A snapshot
 * is written as `snapshot-<gen>.snap.tmp` and renamed once complete, so a `.snap` file is never half
 * written by us; leftover `.tmp` files are deleted at start.
 *
 * The lock is a file, `lock`, created exclusively and holding the owner's pid. A lock whose process no
 * longer exists (killed with SIGKILL) is taken over; one holding our own pid too (a container restarted
 * with the same pid). Startup code: synchronous, before the server serves.
 *
 * @module
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** A file of the data dir and its generation. */
export interface GenFile {
  readonly gen: number
  readonly path: string
}

/** What the data dir holds. */
export interface Listing {
  /** Snapshots, oldest first. */
  readonly snapshots: ReadonlyArray<GenFile>
  /** Logs, oldest first. */
  readonly logs: ReadonlyArray<GenFile>
  /** Unfinished snapshots (deleted at start). */
  readonly temporary: ReadonlyArray<string>
}

const SNAPSHOT = /^snapshot-(\d{1,9})\.snap$/
const LOG = /^log-(\d{1,9})\.log$/

/** The path of generation `gen`'s snapshot. */
export const snapshotPath = (dir: string, gen: number): string => path.join(dir, `snapshot-${gen}.snap`)
/** The path of generation `gen`'s log. */
export const logPath = (dir: string, gen: number): string => path.join(dir, `log-${gen}.log`)

/** Lists the data dir's files. */
export const list = (dir: string): Listing => {
  const snapshots: Array<GenFile> = []
  const logs: Array<GenFile> = []
  const temporary: Array<string> = []
  for (const name of fs.readdirSync(dir)) {
    const snapshot = SNAPSHOT.exec(name)
    const log = LOG.exec(name)
    if (snapshot !== null) snapshots.push({ gen: Number(snapshot[1]), path: path.join(dir, name) })
    else if (log !== null) logs.push({ gen: Number(log[1]), path: path.join(dir, name) })
    else if (name.endsWith(".tmp")) temporary.push(path.join(dir, name))
  }
  const byGen = (a: GenFile, b: GenFile) => a.gen - b.gen
  return { snapshots: snapshots.sort(byGen), logs: logs.sort(byGen), temporary }
}

/**
 * The newest log, deleted if it holds nothing but its header (`headerBytes`) and no file of a later
 * generation is known (`lastGen`), so that this start writes to its generation instead of leaving one
 * more empty log per start; undefined (nothing deleted) otherwise. Safe: the file holds no change.
 */
export const takeEmptyLog = (listing: Listing, lastGen: number, headerBytes: number): GenFile | undefined => {
  const newest = listing.logs[listing.logs.length - 1]
  if (newest === undefined || newest.gen !== lastGen) return undefined
  try {
    if (fs.statSync(newest.path).size !== headerBytes) return undefined
    fs.unlinkSync(newest.path)
    return newest
  } catch {
    // Gone or not removable: a new generation then.
    return undefined
  }
}

/** The lock taken (its file), or why not: held by a live process, or an I/O error. */
export type LockResult =
  | { readonly _tag: "Locked"; readonly path: string }
  | { readonly _tag: "Held"; readonly pid: number }
  | { readonly _tag: "Failed"; readonly message: string }

/** Whether process `pid` exists (EPERM: it exists, owned by someone else). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Takes the data dir's lock for this process (see the module comment). */
export const lock = (dir: string): LockResult => {
  const file = path.join(dir, "lock")
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o644 })
      return { _tag: "Locked", path: file }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== "EEXIST") return { _tag: "Failed", message: `cannot create ${file}: ${code ?? String(error)}` }
    }
    let owner = NaN
    try {
      owner = Number.parseInt(fs.readFileSync(file, "latin1").trim(), 10)
    } catch {
      // Gone in between: try again.
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      return { _tag: "Held", pid: owner }
    }
    try {
      fs.unlinkSync(file)
    } catch {
      // Someone else took it over first: the next attempt sees theirs.
    }
  }
  return { _tag: "Failed", message: `cannot take the lock ${file}` }
}

/** Releases the lock if it is still ours. */
export const unlock = (file: string): void => {
  try {
    if (Number.parseInt(fs.readFileSync(file, "latin1").trim(), 10) === process.pid) fs.unlinkSync(file)
  } catch {
    // Already gone: nothing to release.
  }
}
