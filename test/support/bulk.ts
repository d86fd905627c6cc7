/**
 * Many keys over one raw text-protocol connection: pipelined sets, multi-key gets in chunks, and
 * single requests whose reply is wanted as it is (a proxy's SERVER_ERROR included).
 */
import { Connection } from "./wire.js"

/** A key and its (ASCII) value. */
export type Entry = readonly [key: string, value: string]

/** Sends `count` requests' worth of `payload` at once and reads `count` one-line replies. */
const pipeline = async (connection: Connection, payload: string, count: number): Promise<Array<string>> => {
  connection.send(payload)
  const replies: Array<string> = []
  for (let i = 0; i < count; i++) {
    const line = await connection.read((s) => {
      const eol = s.indexOf("\r\n")
      return eol < 0 ? undefined : eol + 2
    })
    replies.push(line.slice(0, -2))
  }
  return replies
}

/** Stores every entry, `chunk` requests per write; resolves with each set's reply, in order. */
export const setAll = async (port: number, entries: ReadonlyArray<Entry>, chunk = 500): Promise<Array<string>> => {
  const connection = await Connection.open(port)
  try {
    const replies: Array<string> = []
    for (let start = 0; start < entries.length; start += chunk) {
      const part = entries.slice(start, start + chunk)
      const payload = part.map(([key, value]) => `set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`).join("")
      replies.push(...(await pipeline(connection, payload, part.length)))
    }
    return replies
  } finally {
    connection.close()
  }
}

/** A value read back with its flags. */
export interface Flagged {
  readonly flags: number
  readonly value: string
}

/** Parses a retrieval reply into the items found (flags and value); throws on anything but VALUE lines and END. */
export const parseRetrieval = (reply: string, into: Map<string, Flagged>): void => {
  let pos = 0
  for (;;) {
    const eol = reply.indexOf("\r\n", pos)
    const line = reply.slice(pos, eol)
    if (line === "END") return
    const [word, key, flags, bytes] = line.split(" ")
    if (word !== "VALUE" || key === undefined) throw new Error(`not a retrieval reply: ${JSON.stringify(line)}`)
    const length = Number(bytes)
    into.set(key, { flags: Number(flags), value: reply.slice(eol + 2, eol + 2 + length) })
    pos = eol + 2 + length + 2
  }
}

/** Parses a retrieval reply into the values found; throws on anything but VALUE lines and END. */
const parseValues = (reply: string, into: Map<string, string>): void => {
  const items = new Map<string, Flagged>()
  parseRetrieval(reply, items)
  for (const [key, item] of items) into.set(key, item.value)
}

/** Reads `keys` with multi-key gets of `chunk` keys: the values found, by key. */
export const getAll = async (port: number, keys: ReadonlyArray<string>, chunk = 100): Promise<Map<string, string>> => {
  const connection = await Connection.open(port)
  try {
    const found = new Map<string, string>()
    for (let start = 0; start < keys.length; start += chunk) {
      parseValues(await connection.request(`get ${keys.slice(start, start + chunk).join(" ")}\r\n`), found)
    }
    return found
  } finally {
    connection.close()
  }
}

/** Sends one request on a new connection and returns its reply as it came (CRLFs included). */
export const requestOnce = async (port: number, request: string): Promise<string> => {
  const connection = await Connection.open(port)
  try {
    return await connection.request(request)
  } finally {
    connection.close()
  }
}
