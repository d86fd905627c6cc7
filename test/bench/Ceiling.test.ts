import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as net from "node:net"
import { createCeiling } from "../../src/bench/ceiling/Ceiling.js"

let server: net.Server
let port = 0

beforeAll(() =>
  new Promise<void>((resolve) => {
    server = createCeiling()
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as net.AddressInfo).port
      resolve()
    })
  })
)
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

// Sends each piece as its own write (the server must put requests split across reads together again)
// and resolves with the replies once `length` bytes have come back.
const talk = (pieces: ReadonlyArray<string | Buffer>, length: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.setNoDelay(true)
    let got = Buffer.alloc(0)
    socket.on("error", reject)
    socket.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk])
      if (got.length >= length) {
        socket.destroy()
        resolve(got.toString("latin1"))
      }
    })
    socket.on("connect", async () => {
      for (const piece of pieces) {
        socket.write(piece)
        await new Promise((next) => setImmediate(next))
      }
    })
  })

describe("node ceiling", () => {
  it("stores with set and answers get, hits and misses, flags and data as sent", async () => {
    const replies = "STORED\r\nVALUE c:1 42 5\r\nhello\r\nEND\r\nEND\r\n"
    expect(await talk(["set c:1 42 0 5\r\nhello\r\n", "get c:1\r\n", "get c:nope\r\n"], replies.length)).toBe(replies)
  })

  it("answers a multi-get in the order asked, without the misses", async () => {
    const replies = "STORED\r\nSTORED\r\nVALUE m:b 0 2\r\nbb\r\nVALUE m:a 0 1\r\na\r\nEND\r\n"
    expect(await talk(["set m:a 0 0 1\r\na\r\nset m:b 0 0 2\r\nbb\r\n", "get m:b m:x m:a\r\n"], replies.length))
      .toBe(replies)
  })

  it("puts requests split across reads back together, data with CR LF inside, pipelined, and noreply", async () => {
    const replies = "STORED\r\nVALUE s:1 0 6\r\na\r\nb\r\n\r\nEND\r\nVALUE s:2 0 1\r\nz\r\nEND\r\n"
    const pieces = [
      "se",
      "t s:1 0 0 6\r",
      "\na\r\nb\r",
      "\n\r\nget s:1\r\nset s:2 0 0 1 noreply\r\nz\r\n",
      "get s:2\r\n"
    ]
    expect(await talk(pieces, replies.length)).toBe(replies)
  })

  it("replaces a value on a second set, answers version, and ERROR to anything else", async () => {
    const replies = "STORED\r\nSTORED\r\nVALUE r:1 0 3\r\nnew\r\nEND\r\nERROR\r\nVERSION nodeceiling\r\n"
    const requests = "set r:1 0 0 3\r\nold\r\nset r:1 0 0 3\r\nnew\r\nget r:1\r\ndelete r:1\r\nversion\r\n"
    expect(await talk([requests], replies.length)).toBe(replies)
  })
})
