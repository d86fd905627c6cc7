import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, TestClock } from "effect"
import type * as net from "node:net"
import { Duplex } from "node:stream"
import { Connection, type ConnectionEvents } from "../../src/client/Connection.js"
import { MAX_BATCH_LINE } from "../../src/client/GetBatch.js"
import { address } from "../../src/client/ServerAddress.js"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { splitAt } from "../support/arbitraries.js"

/**
 * A socket standing in for a server: records each write (the buffers written between cork and uncork
 * as one, as a real socket sends them in one writev); `reply` pushes bytes as the server would.
 */
class FakeSocket extends Duplex {
  readonly writes: Array<string> = []
  needDrain = false
  private corked: Array<string> | undefined = undefined
  override cork(): void {
    this.corked ??= []
  }
  override uncork(): void {
    const corked = this.corked
    this.corked = undefined
    if (corked !== undefined && corked.length > 0) this.writes.push(corked.join(""))
  }
  constructor() {
    super()
    Object.defineProperty(this, "writableNeedDrain", { get: () => this.needDrain })
  }
  override _read() {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    done()
    void chunk
  }
  override write(chunk: unknown): boolean {
    const text = Buffer.from(chunk as Buffer).toString("latin1")
    if (this.corked !== undefined) this.corked.push(text)
    else this.writes.push(text)
    return true
  }
  reply(bytes: string): void {
    this.push(Buffer.from(bytes, "latin1"))
  }
}

const options = {
  address: address({ host: "127.0.0.1", port: 1 }),
  connectTimeoutMillis: 1000,
  requestTimeoutMillis: 1000,
  tls: undefined
}

/** A connection over a fake socket, with its watchdog running; events are counted. */
const fakeConnection = Effect.gen(function*() {
  const socket = new FakeSocket()
  const counts = { replies: 0, failures: 0, closes: 0 }
  const events: ConnectionEvents = {
    onReply: () => void counts.replies++,
    onFailure: () => void counts.failures++,
    onClose: () => void counts.closes++
  }
  const connection = new Connection(socket as unknown as net.Socket, options, yield* Effect.clock, events)
  yield* Effect.forkScoped(connection.watchdog)
  return { socket, connection, counts }
})

const get = (key: string): Request => ({ _tag: "Get", keys: [key] })
const raw = (connection: Connection, request: Request) => connection.send(request, Effect.succeed<Result>)

/**
 * Waits until what the fibers forked so far have queued is written: the connection writes once per
 * event-loop turn (from setImmediate), so two turns are enough whatever the order of the callbacks.
 */
const nextTurn = Effect.async<void>((resume) => void setImmediate(() => setImmediate(() => resume(Effect.void))))

const valueOf = (result: Result): string | undefined =>
  result._tag === "Values" && result.hits[0] !== undefined ? Buffer.from(result.hits[0].value).toString() : undefined

describe("Connection", () => {
  it.scoped("requests from many fibers go out in one write, and each fiber gets its own reply", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`)
      // Deletes between the gets: no two gets are adjacent, so none are batched.
      const fibers = yield* Effect.forEach(keys, (key) =>
        Effect.fork(Effect.zip(
          raw(connection, get(key)),
          raw(connection, { _tag: "Delete", key, noreply: false }),
          { concurrent: true }
        )))
      yield* nextTurn
      expect(socket.writes).toEqual([keys.map((key) => `get ${key}\r\ndelete ${key}\r\n`).join("")])
      const replies = Buffer.from(
        keys.map((key) => `VALUE ${key} 0 ${key.length + 1}\r\n${key}!\r\nEND\r\nDELETED\r\n`).join("")
      )
      for (const chunk of splitAt(replies, [7, 100, 101, 1000, 1001, 1002, 2500])) {
        socket.reply(chunk.toString("latin1"))
      }
      const results = yield* Effect.forEach(fibers, Fiber.join)
      expect(results.map(([hit]) => valueOf(hit))).toEqual(keys.map((key) => `${key}!`))
      expect(results.map(([, deleted]) => deleted._tag)).toEqual(keys.map(() => "Deleted"))
    }))

  it.scoped("an interrupted request's reply is read and dropped: the next request gets its own", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const first = yield* Effect.fork(raw(connection, get("a")))
      const second = yield* Effect.fork(raw(connection, get("b")))
      yield* nextTurn
      yield* Fiber.interrupt(first)
      // One interrupted after it was written, one before: both are still written and answered.
      const third = yield* Effect.fork(raw(connection, get("c")))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(third)
      const fourth = yield* Effect.fork(raw(connection, get("d")))
      yield* nextTurn
      expect(socket.writes).toEqual(["get a b\r\n", "get c d\r\n"])
      socket.reply("VALUE a 0 1\r\nA\r\nVALUE b 0 1\r\nB\r\nEND\r\nVALUE d 0 1\r\nD\r\nEND\r\n")
      expect(valueOf(yield* Fiber.join(second))).toBe("B")
      expect(valueOf(yield* Fiber.join(fourth))).toBe("D")
      expect(connection.isOpen).toBe(true)
    }))

  it.scoped("a request times out on the clock; its late reply is dropped and the connection goes on", () =>
    Effect.gen(function*() {
      const { connection, counts, socket } = yield* fakeConnection
      const slow = yield* Effect.fork(raw(connection, get("slow")))
      yield* nextTurn
      yield* TestClock.adjust("999 millis")
      expect(slow.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const timedOut = yield* Fiber.await(slow)
      expect(timedOut).toEqual(Exit.fail(expect.objectContaining({ _tag: "Timeout", operation: "Get", millis: 1000 })))
      expect(counts.failures).toBe(1)
      const next = yield* Effect.fork(raw(connection, get("next")))
      yield* nextTurn
      socket.reply("VALUE slow 0 1\r\nS\r\nEND\r\nVALUE next 0 1\r\nN\r\nEND\r\n")
      expect(valueOf(yield* Fiber.join(next))).toBe("N")
    }))

  it.scoped("a request that times out before it could be written is never sent", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      socket.needDrain = true
      const waiting = yield* Effect.fork(raw(connection, get("late")))
      yield* nextTurn
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.await(waiting)).toMatchObject({ _tag: "Failure" })
      socket.needDrain = false
      const after = yield* Effect.fork(raw(connection, get("after")))
      socket.emit("drain")
      yield* nextTurn
      expect(socket.writes.join("")).toBe("get after\r\n")
      socket.reply("END\r\n")
      expect(yield* Fiber.join(after)).toEqual({ _tag: "Values", hits: [], withCas: false })
    }))

  it.scoped("a quiet request is followed by mn; a suppressed reply is Silent", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const quietSet = yield* Effect.fork(raw(connection, {
        _tag: "Set",
        key: "q",
        flags: 0,
        exptime: 0,
        value: Buffer.from("v"),
        noreply: true
      }))
      const version = yield* Effect.fork(raw(connection, { _tag: "Version" }))
      yield* nextTurn
      expect(socket.writes).toEqual(["set q 0 0 1 noreply\r\nv\r\nmn\r\nversion\r\n"])
      socket.reply("MN\r\nVERSION 1.6.18\r\n")
      expect(yield* Fiber.join(quietSet)).toEqual({ _tag: "Silent" })
      expect(yield* Fiber.join(version)).toEqual({ _tag: "VersionReply", version: "1.6.18" })
    }))

  it.scoped("a reply that does not fit its request closes the connection with ProtocolError", () =>
    Effect.gen(function*() {
      const { connection, counts, socket } = yield* fakeConnection
      const waiting = yield* Effect.fork(raw(connection, { _tag: "Delete", key: "k", noreply: false }))
      const behind = yield* Effect.fork(raw(connection, get("k")))
      yield* nextTurn
      socket.reply("STORED\r\n")
      expect(yield* Fiber.await(waiting)).toEqual(Exit.fail(expect.objectContaining({ _tag: "ProtocolError" })))
      expect(yield* Fiber.await(behind)).toEqual(Exit.fail(expect.objectContaining({ _tag: "ProtocolError" })))
      expect(connection.isOpen).toBe(false)
      expect(counts).toMatchObject({ closes: 1, failures: 1 })
      expect(yield* Effect.exit(raw(connection, get("k")))).toMatchObject({ _tag: "Failure" })
    }))

  it.scoped("bytes that answer no request close the connection", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      socket.reply("END\r\n")
      yield* nextTurn
      expect(connection.isOpen).toBe(false)
    }))

  it.scoped("the server closing the connection fails what waits with ConnectionLost; quit is answered by it", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const quit = yield* Effect.fork(raw(connection, { _tag: "Quit" }))
      const after = yield* Effect.fork(raw(connection, get("k")))
      yield* nextTurn
      socket.destroy()
      yield* Effect.async<void>((resume) => void socket.once("close", () => resume(Effect.void)))
      expect(yield* Fiber.join(quit)).toEqual({ _tag: "Close" })
      expect(yield* Fiber.await(after)).toEqual(Exit.fail(expect.objectContaining({ _tag: "ConnectionLost" })))
    }))

  it.scoped("replies resume their fibers in order, with the handler's result", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const order: Array<string> = []
      const send = (key: string) => connection.send(get(key), () => Effect.sync(() => order.push(key)))
      const fibers = yield* Effect.forEach(["x", "y", "z"], (key) => Effect.fork(send(key)))
      yield* nextTurn
      expect(socket.writes).toEqual(["get x y z\r\n"])
      socket.reply("END\r\n")
      yield* Effect.forEach(fibers, Fiber.join)
      expect(order).toEqual(["x", "y", "z"])
      expect(connection.isOpen).toBe(true)
    }))
})

describe("Connection: get batching", () => {
  const set = (key: string, value: string): Request => ({
    _tag: "Set",
    key,
    flags: 0,
    exptime: 0,
    value: Buffer.from(value),
    noreply: false
  })
  const forkAll = (connection: Connection, requests: ReadonlyArray<Request>) =>
    Effect.forEach(requests, (request) => Effect.fork(raw(connection, request)))

  it.scoped("adjacent gets go out as one line; hits, misses and a repeated key are dealt back in order", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const keys = ["a", "miss1", "b", "a", "miss2", "c"]
      const fibers = yield* forkAll(connection, keys.map(get))
      yield* nextTurn
      expect(socket.writes).toEqual(["get a miss1 b a miss2 c\r\n"])
      const reply = "VALUE a 0 1\r\nA\r\nVALUE b 3 2\r\nBB\r\nVALUE a 0 1\r\nA\r\nVALUE c 0 0\r\n\r\nEND\r\n"
      for (const chunk of splitAt(Buffer.from(reply), [3, 14, 20, 33])) socket.reply(chunk.toString("latin1"))
      const results = yield* Effect.forEach(fibers, Fiber.join)
      expect(results.map(valueOf)).toEqual(["A", undefined, "BB", "A", undefined, ""])
      expect(results[2]).toEqual({
        _tag: "Values",
        hits: [{ key: "b", flags: 3, value: Buffer.from("BB"), cas: 0 }],
        withCas: false
      })
      expect(results[1]).toEqual({ _tag: "Values", hits: [], withCas: false })
      expect(connection.isOpen).toBe(true)
    }))

  it.scoped("any other request between gets splits the batch: nothing moves on the wire", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const fibers = yield* forkAll(connection, [
        get("a"),
        get("b"),
        set("a", "x"),
        get("c"),
        { _tag: "Gets", keys: ["d"] },
        get("e"),
        get("f"),
        { _tag: "Get", keys: ["g", "h"] },
        get("i")
      ])
      yield* nextTurn
      expect(socket.writes).toEqual([
        "get a b\r\nset a 0 0 1\r\nx\r\nget c\r\ngets d\r\nget e f\r\nget g h\r\nget i\r\n"
      ])
      socket.reply(
        "VALUE b 0 1\r\nB\r\nEND\r\nSTORED\r\nVALUE c 0 1\r\nC\r\nEND\r\nEND\r\n" +
          "VALUE f 0 1\r\nF\r\nEND\r\nVALUE h 0 1\r\nH\r\nEND\r\nVALUE i 0 1\r\nI\r\nEND\r\n"
      )
      const results = yield* Effect.forEach(fibers, Fiber.join)
      expect(results.map((r) => r._tag === "Values" ? r.hits.map((h) => h.key).join() : r._tag)).toEqual([
        "",
        "b",
        "Stored",
        "c",
        "",
        "",
        "f",
        "h",
        "i"
      ])
      expect(connection.isOpen).toBe(true)
    }))

  it.scoped("a long batch is split into lines under the limit, in order", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const keys = Array.from({ length: 30 }, (_, i) => `${i}`.padStart(3, "0") + "k".repeat(197))
      const fibers = yield* forkAll(connection, keys.map(get))
      yield* nextTurn
      const lines = socket.writes.join("").split("\r\n").slice(0, -1)
      expect(lines.length).toBeGreaterThan(1)
      for (const line of lines) expect(line.length + 2).toBeLessThanOrEqual(MAX_BATCH_LINE)
      expect(lines.flatMap((line) => line.split(" ").slice(1))).toEqual(keys)
      socket.reply(
        lines.map((line) =>
          line.split(" ").slice(1).map((key) => `VALUE ${key} 0 3\r\n${key.slice(0, 3)}\r\n`).join("") + "END\r\n"
        )
          .join("")
      )
      const results = yield* Effect.forEach(fibers, Fiber.join)
      expect(results.map(valueOf)).toEqual(keys.map((key) => key.slice(0, 3)))
    }))

  it.scoped("a member that times out or is interrupted has its share dropped; the others and the next get theirs", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      // Held back by a full socket buffer, so requests made 500 ms apart share a batch.
      socket.needDrain = true
      const early = yield* Effect.fork(raw(connection, get("early")))
      yield* nextTurn
      yield* TestClock.adjust("500 millis")
      const [late, interrupted, kept] = yield* forkAll(connection, [get("late"), get("gone"), get("kept")])
      yield* nextTurn
      socket.needDrain = false
      socket.emit("drain")
      yield* nextTurn
      expect(socket.writes).toEqual(["get early late gone kept\r\n"])
      yield* Fiber.interrupt(interrupted!)
      yield* TestClock.adjust("500 millis")
      expect(yield* Fiber.await(early)).toEqual(Exit.fail(expect.objectContaining({ _tag: "Timeout" })))
      expect(late!.unsafePoll()).toBeNull()
      socket.reply("VALUE early 0 1\r\nE\r\nVALUE late 0 1\r\nL\r\nVALUE gone 0 1\r\nG\r\nEND\r\n")
      expect(valueOf(yield* Fiber.join(late!))).toBe("L")
      expect(valueOf(yield* Fiber.join(kept!))).toBeUndefined()
      const next = yield* Effect.fork(raw(connection, get("next")))
      yield* nextTurn
      socket.reply("VALUE next 0 1\r\nN\r\nEND\r\n")
      expect(valueOf(yield* Fiber.join(next))).toBe("N")
      expect(connection.isOpen).toBe(true)
    }))

  it.scoped("an error reply answers every get of the batch with that error", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const fibers = yield* forkAll(connection, [get("a"), get("b"), get("c")])
      const after = yield* Effect.fork(raw(connection, { _tag: "Version" }))
      yield* nextTurn
      socket.reply("VALUE a 0 1\r\nA\r\nSERVER_ERROR out of memory writing get response\r\nVERSION 1.6\r\n")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      for (const result of results) {
        expect(result).toEqual({ _tag: "ServerError", message: "out of memory writing get response" })
      }
      expect(yield* Fiber.join(after)).toEqual({ _tag: "VersionReply", version: "1.6" })
    }))

  it.scoped("hits that do not match the keys asked for close the connection with ProtocolError", () =>
    Effect.gen(function*() {
      const { connection, socket } = yield* fakeConnection
      const fibers = yield* forkAll(connection, [get("a"), get("b")])
      yield* nextTurn
      socket.reply("VALUE b 0 1\r\nB\r\nVALUE a 0 1\r\nA\r\nEND\r\n")
      for (const fiber of fibers) {
        expect(yield* Fiber.await(fiber)).toEqual(Exit.fail(expect.objectContaining({ _tag: "ProtocolError" })))
      }
      expect(connection.isOpen).toBe(false)
    }))
})
