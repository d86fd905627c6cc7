/**
 * A tiny in-process get/set server for the load generator's tests, with faults to inject: it can
 * lose some sets (replying STORED all the same), forget keys, or answer nonsense.
 */
import * as net from "node:net"

/** What the fake server gets wrong, if anything. */
export interface Faults {
  /** Called for each set; false drops it while still replying STORED. */
  readonly keepSet?: (key: string, count: number) => boolean
  /** Called for each key looked up; false answers a miss whatever is stored. */
  readonly findKey?: (key: string, count: number) => boolean
  /** Replaces every reply to a set with this line. */
  readonly setReply?: string
}

/** A running fake server. */
export interface FakeServer {
  readonly port: number
  readonly store: Map<string, Buffer>
  readonly close: () => Promise<void>
}

/** Starts a fake server on a free loopback port. */
export const startFakeServer = (faults: Faults = {}): Promise<FakeServer> => {
  const store = new Map<string, Buffer>()
  const sockets = new Set<net.Socket>()
  let sets = 0
  let lookups = 0
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    let pending: Buffer = Buffer.alloc(0)
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk
      const out: Array<Buffer | string> = []
      let pos = 0
      for (;;) {
        const eol = pending.indexOf("\r\n", pos)
        if (eol < 0) break
        const words = pending.toString("latin1", pos, eol).split(" ")
        if (words[0] === "set") {
          const size = Number(words[4])
          if (pending.length < eol + 2 + size + 2) break
          const key = words[1]!
          if (faults.keepSet?.(key, ++sets) ?? true) {
            store.set(key, Buffer.from(pending.subarray(eol + 2, eol + 2 + size)))
          }
          out.push(faults.setReply ?? "STORED\r\n")
          pos = eol + 2 + size + 2
        } else if (words[0] === "get") {
          for (const key of words.slice(1)) {
            const value = store.get(key)
            if (value !== undefined && (faults.findKey?.(key, ++lookups) ?? true)) {
              out.push(`VALUE ${key} 0 ${value.length}\r\n`, value, "\r\n")
            }
          }
          out.push("END\r\n")
          pos = eol + 2
        } else {
          out.push("ERROR\r\n")
          pos = eol + 2
        }
      }
      pending = pending.subarray(pos)
      if (out.length > 0) {
        socket.write(Buffer.concat(out.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : part))))
      }
    })
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        store,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
