import { describe, expect, it } from "@effect/vitest"
import type { FileOps } from "../../src/persistence/FileOps.js"
import { Frame, frameAt, LOG_HEADER, logHeader } from "../../src/persistence/Format.js"
import { LogWriter } from "../../src/persistence/LogWriter.js"

/** An in-memory file system whose calls complete when the test says (`flush`), failing as told. */
const memoryFiles = () => {
  const files = new Map<string, Buffer>()
  const byFd: Array<string> = []
  const pending: Array<() => void> = []
  const calls: Array<string> = []
  const failures: { write?: string; fsync?: string } = {}
  const later = (f: () => void) => pending.push(f)
  const error = (code: string) => Object.assign(new Error(code), { code })
  const ops: FileOps = {
    open: (path, _exclusive, done) =>
      later(() => {
        files.set(path, Buffer.alloc(0))
        byFd.push(path)
        done(null, byFd.length - 1)
      }),
    writev: (fd, buffers, position, done) =>
      later(() => {
        calls.push("write")
        if (failures.write !== undefined) return done(error(failures.write), 0)
        const path = byFd[fd]!
        const data = Buffer.concat(buffers.map((b) => Buffer.from(b)))
        const file = files.get(path)!
        const grown = Buffer.alloc(Math.max(file.length, position + data.length))
        file.copy(grown)
        data.copy(grown, position)
        files.set(path, grown)
        done(null, data.length)
      }),
    fsync: (_fd, done) =>
      later(() => {
        calls.push("fsync")
        done(failures.fsync !== undefined ? error(failures.fsync) : null)
      }),
    close: (_fd, done) => later(() => done(null)),
    rename: (_from, _to, done) => later(() => done(null)),
    unlink: (_path, done) => later(() => done(null)),
    fsyncDir: (_path, done) => later(() => done(null))
  }
  /** Runs scheduled turns and completes I/O until nothing is left. */
  const flush = (turns: Array<() => void>) => {
    while (turns.length > 0 || pending.length > 0) {
      while (turns.length > 0) turns.shift()!()
      if (pending.length > 0) pending.shift()!()
    }
  }
  return { ops, files, calls, failures, flush, pending }
}

const setup = (mode: "always" | "everysec" | "no") => {
  const fake = memoryFiles()
  const turns: Array<() => void> = []
  const errors: Array<string> = []
  const writer = new LogWriter({
    files: fake.ops,
    mode,
    onError: (what, e) => errors.push(`${what} ${e.code}`),
    schedule: (run) => turns.push(run)
  })
  let opened = false
  writer.rotate("log-0", logHeader(0), (e) => (opened = e === null))
  fake.flush(turns)
  expect(opened).toBe(true)
  fake.calls.length = 0
  const append = (text: string) => {
    const payload = Buffer.from(text)
    const at = writer.begin(Frame.Removed, payload.length)
    payload.copy(writer.chunk, at)
    writer.commit(payload.length)
  }
  const frames = () => {
    const buf = fake.files.get("log-0")!
    const out: Array<string> = []
    for (let off = LOG_HEADER;;) {
      const f = frameAt(buf, off)
      if (f._tag !== "Frame") return out
      out.push(buf.toString("latin1", f.start, f.end))
      off = f.end
    }
  }
  return { fake, turns, errors, writer, append, frames, flush: () => fake.flush(turns) }
}

describe("LogWriter", () => {
  it("always: batches waiting together share one write and one fsync (group commit)", () => {
    const t = setup("always")
    const acked: Array<boolean> = []
    for (let i = 0; i < 10; i++) {
      t.append(`k${i}`)
      t.writer.whenDurable(t.writer.appended, (ok) => acked.push(ok))
    }
    t.flush()
    expect(acked).toEqual(Array(10).fill(true))
    expect(t.fake.calls).toEqual(["write", "fsync"])
    expect(t.writer.fsyncs).toBe(1)
    expect(t.frames()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`))
  })

  it("always: frames appended while a write or its fsync is in flight go in the next group, none lost", () => {
    const t = setup("always")
    const acked: Array<string> = []
    t.append("first")
    t.writer.whenDurable(t.writer.appended, () => acked.push("first"))
    // Complete I/O one step at a time, appending between steps (the write, then the fsync).
    t.turns.shift()!()
    t.append("during-write")
    t.writer.whenDurable(t.writer.appended, () => acked.push("during-write"))
    t.fake.pending.shift()!()
    // Larger than what is left of the chunk: the chunk is sealed while the fsync runs.
    const large = "L".repeat(300 * 1024)
    t.append(large)
    t.writer.whenDurable(t.writer.appended, () => acked.push("during-fsync"))
    t.flush()
    expect(acked).toEqual(["first", "during-write", "during-fsync"])
    expect(t.frames()).toEqual(["first", "during-write", large])
  })

  it("everysec: writes each turn, fsyncs only when told (the owner's one-second tick)", () => {
    const t = setup("everysec")
    t.append("a")
    t.flush()
    t.append("b")
    t.flush()
    expect(t.fake.calls).toEqual(["write", "write"])
    expect(t.writer.durable).toBe(0)
    t.writer.sync()
    t.flush()
    expect(t.fake.calls).toEqual(["write", "write", "fsync"])
    expect(t.writer.durable).toBe(t.writer.appended)
    t.writer.sync()
    t.flush()
    expect(t.writer.fsyncs).toBe(1)
  })

  it("whenDrained: called once the unwritten bytes are down to the limit, at once if they are already", () => {
    const t = setup("everysec")
    const drained: Array<string> = []
    t.writer.whenDrained(0, () => drained.push("empty"))
    expect(drained).toEqual(["empty"])
    t.append("x".repeat(1000))
    t.append("y".repeat(1000))
    t.writer.whenDrained(1500, () => drained.push("1500"))
    t.writer.whenDrained(5000, () => drained.push("5000"))
    expect(drained).toEqual(["empty", "5000"])
    // The turn starts the write; until the disk completes it, the bytes still wait.
    t.turns.shift()!()
    expect(drained).toEqual(["empty", "5000"])
    t.flush()
    expect(drained).toEqual(["empty", "5000", "1500"])
  })

  it("whenDrained: a failing disk releases the waiters (no stall; the data is kept for the retry)", () => {
    const t = setup("everysec")
    t.fake.failures.write = "ENOSPC"
    let released = false
    t.append("z".repeat(100))
    t.writer.whenDrained(10, () => (released = true))
    t.flush()
    expect(released).toBe(true)
    delete t.fake.failures.write
    t.append("after")
    t.flush()
    expect(t.frames()).toEqual(["z".repeat(100), "after"])
  })

  it("a failed write fails its waiters, keeps the data and rewrites it at the same offset once the disk recovers", () => {
    const t = setup("always")
    t.fake.failures.write = "ENOSPC"
    const acked: Array<boolean> = []
    t.append("lost-ack")
    t.writer.whenDurable(t.writer.appended, (ok) => acked.push(ok))
    t.flush()
    expect(acked).toEqual([false])
    expect(t.errors).toEqual(["write ENOSPC"])
    delete t.fake.failures.write
    t.append("next")
    t.writer.whenDurable(t.writer.appended, (ok) => acked.push(ok))
    t.flush()
    expect(acked).toEqual([false, true])
    expect(t.frames()).toEqual(["lost-ack", "next"])
  })

  it("always: writes queued behind a failed one are answered (false) while the disk stays full, never left waiting", () => {
    const t = setup("always")
    t.fake.failures.write = "ENOSPC"
    const acked: Array<string> = []
    t.append("first")
    t.writer.whenDurable(t.writer.appended, (ok) => acked.push(`first ${ok}`))
    t.flush()
    // Each later write retries the failed data first; while that fails, its own waiter must hear so.
    for (const key of ["second", "third"]) {
      t.append(key)
      t.writer.whenDurable(t.writer.appended, (ok) => acked.push(`${key} ${ok}`))
      t.flush()
    }
    expect(acked).toEqual(["first false", "second false", "third false"])
    delete t.fake.failures.write
    t.append("fourth")
    t.writer.whenDurable(t.writer.appended, (ok) => acked.push(`fourth ${ok}`))
    t.flush()
    expect(acked).toEqual(["first false", "second false", "third false", "fourth true"])
    expect(t.frames()).toEqual(["first", "second", "third", "fourth"])
  })

  it("closing while the disk stays full drops the unwritable data instead of waiting forever", () => {
    const t = setup("everysec")
    t.fake.failures.write = "ENOSPC"
    t.append("never")
    t.flush()
    let closed = false
    t.writer.close(() => (closed = true))
    t.flush()
    expect(closed).toBe(true)
    expect(t.writer.lost).toBe(true)
  })

  it("a failed fsync fails its waiters and marks the log as needing a snapshot", () => {
    const t = setup("always")
    t.fake.failures.fsync = "EIO"
    const acked: Array<boolean> = []
    t.append("x")
    t.writer.whenDurable(t.writer.appended, (ok) => acked.push(ok))
    t.flush()
    expect(acked).toEqual([false])
    expect(t.writer.lost).toBe(true)
    expect(t.errors).toEqual(["fsync EIO"])
  })

  it("rotation: what was appended before goes to the old file, after to the new one", () => {
    const t = setup("no")
    t.append("old")
    t.writer.rotate("log-1", logHeader(1), () => {})
    t.append("new")
    t.flush()
    expect(t.frames()).toEqual(["old"])
    const next = t.fake.files.get("log-1")!
    const f = frameAt(next, LOG_HEADER)
    expect(f._tag === "Frame" && next.toString("latin1", f.start, f.end)).toBe("new")
  })
})
