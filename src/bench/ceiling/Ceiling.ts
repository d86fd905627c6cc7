/**
 * The node ceiling: a bare node:net server answering memcached's `get` (one key or many) and `set`
 * from a Map, with a hand-written parser and one write per read; no Effect, no limits, no expiry, no
 * other command but `version` (which `npm run abuse`'s connection churn sends). It is what one Node thread does on the benchmark's workload with no features at all,
 * so `npm run bench -- --servers effcached,memcached,nodeceiling` shows how close effcached comes to
 * Node's own ceiling. It is a yardstick, not a model for the product's code (it trusts its input).
 *
 * @module
 */
import * as net from "node:net"

const CRLF = Buffer.from("\r\n")
const END = Buffer.from("END\r\n")
const STORED = Buffer.from("STORED\r\n")
const ERROR = Buffer.from("ERROR\r\n")
const VERSION = Buffer.from("VERSION nodeceiling\r\n")
const LF = 10
const SPACE = 32

/** One stored item: its flags as the client sent them, and its bytes. */
interface Item {
  readonly flags: string
  readonly data: Buffer
}

// Answers every complete request in `input`; returns where the first incomplete one starts.
const serve = (store: Map<string, Item>, input: Buffer, out: Array<Buffer>): number => {
  let pos = 0
  for (;;) {
    const lf = input.indexOf(LF, pos)
    if (lf < 0) return pos
    const lineEnd = lf > pos && input[lf - 1] === 13 ? lf - 1 : lf
    // get <key>*
    if (input[pos] === 103 && input[pos + 1] === 101 && input[pos + 2] === 116 && input[pos + 3] === SPACE) {
      let at = pos + 4
      while (at < lineEnd) {
        let end = input.indexOf(SPACE, at)
        if (end < 0 || end > lineEnd) end = lineEnd
        if (end > at) {
          const key = input.toString("latin1", at, end)
          const item = store.get(key)
          if (item !== undefined) {
            out.push(Buffer.from(`VALUE ${key} ${item.flags} ${item.data.length}\r\n`, "latin1"), item.data, CRLF)
          }
        }
        at = end + 1
      }
      out.push(END)
      pos = lf + 1
      continue
    }
    // set <key> <flags> <exptime> <bytes> [noreply]
    if (input[pos] === 115 && input[pos + 1] === 101 && input[pos + 2] === 116 && input[pos + 3] === SPACE) {
      const words = input.toString("latin1", pos + 4, lineEnd).split(" ")
      const size = Number(words[3])
      const dataStart = lf + 1
      if (input.length < dataStart + size + 2) return pos
      const key = words[0]!
      // A copy: the input buffer is the socket's and is reused by the next read's concat.
      store.set(key, { flags: words[1]!, data: Buffer.from(input.subarray(dataStart, dataStart + size)) })
      if (words[4] !== "noreply") out.push(STORED)
      pos = dataStart + size + 2
      continue
    }
    out.push(input.toString("latin1", pos, lineEnd) === "version" ? VERSION : ERROR)
    pos = lf + 1
  }
}

/** A ceiling server, not yet listening. */
export const createCeiling = (): net.Server => {
  const store = new Map<string, Item>()
  return net.createServer({ noDelay: true }, (socket) => {
    let pending: Buffer | undefined
    socket.on("error", () => socket.destroy())
    socket.on("data", (chunk: Buffer) => {
      const input = pending === undefined ? chunk : Buffer.concat([pending, chunk])
      const out: Array<Buffer> = []
      const used = serve(store, input, out)
      pending = used < input.length ? input.subarray(used) : undefined
      if (out.length > 0) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out))
    })
  })
}
