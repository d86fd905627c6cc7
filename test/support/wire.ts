/**
 * Raw wire sessions: send exact bytes, collect exact replies.
 */
import * as net from "node:net"

/** Bytes to send: one buffer/string, or several written as separate TCP writes. */
export type Script = string | Buffer | ReadonlyArray<string | Buffer>

const toBuffer = (part: string | Buffer) => (typeof part === "string" ? Buffer.from(part, "latin1") : part)

/**
 * Connects, writes the script (parts separately, `gapMs` apart), and collects every byte the server
 * sends until it closes the connection. End scripts with `quit\r\n` (or input that makes the server
 * hang up). Rejects after `timeoutMs`.
 */
export const exchange = (
  port: number,
  script: Script,
  options: { readonly gapMs?: number; readonly timeoutMs?: number } = {}
): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts = (typeof script === "string" || Buffer.isBuffer(script) ? [script] : script).map(toBuffer)
    const socket = net.connect(port, "127.0.0.1")
    const received: Array<Buffer> = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(
          `no close within ${options.timeoutMs ?? 5000} ms; got ${
            JSON.stringify(Buffer.concat(received).toString("latin1"))
          }`
        )
      )
    }, options.timeoutMs ?? 5000)
    socket.on("data", (d) => received.push(d))
    socket.on("error", () => {})
    socket.on("close", () => {
      clearTimeout(timer)
      resolve(Buffer.concat(received))
    })
    socket.once("connect", async () => {
      for (const part of parts) {
        if (socket.destroyed) return
        socket.write(part)
        if (options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs))
      }
    })
  })

/** `exchange` with `quit\r\n` appended: the reply to the script, as a latin1 string. */
export const session = async (port: number, script: Script, options?: { readonly gapMs?: number }): Promise<string> => {
  const parts = typeof script === "string" || Buffer.isBuffer(script) ? [script] : [...script]
  const reply = await exchange(port, [...parts, "quit\r\n"], options)
  return reply.toString("latin1")
}

/** Replaces CAS uniques in VALUE lines (the 5th token) with `<cas>`, so two servers' replies compare. */
export const normaliseCas = (reply: string): string => reply.replace(/^(VALUE \S+ \d+ \d+) \d+\r$/gm, "$1 <cas>\r")

/** A persistent connection for request/response tests: send, then read until a terminator. */
export class Connection {
  private buffer = Buffer.alloc(0)
  private waiting: (() => void) | null = null
  closed = false

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buffer = Buffer.concat([this.buffer, d])
      this.waiting?.()
    })
    socket.on("close", () => {
      this.closed = true
      this.waiting?.()
    })
    socket.on("error", () => {})
  }

  /** Opens a connection. */
  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1")
      socket.once("connect", () => resolve(new Connection(socket)))
      socket.once("error", reject)
    })
  }

  /** Writes bytes. */
  send(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data)
  }

  /** Reads until the received bytes satisfy `complete` (given everything unread), then consumes them. */
  async read(complete: (s: string) => number | undefined, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = this.buffer.toString("latin1")
      const end = complete(text)
      if (end !== undefined) {
        this.buffer = this.buffer.subarray(end)
        return text.slice(0, end)
      }
      if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(text)}`)
      if (Date.now() > deadline) throw new Error(`timed out; unread: ${JSON.stringify(text)}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()))
        this.waiting = () => {
          clearTimeout(t)
          this.waiting = null
          resolve()
        }
      })
    }
  }

  /** Sends a request and reads one reply (see {@link replyLength}). */
  async request(data: string | Buffer): Promise<string> {
    this.send(data)
    return this.read(replyLength)
  }

  /** Reads one line (through its CRLF or LF). */
  readLine(timeoutMs = 5000): Promise<string> {
    return this.read((s) => {
      const eol = s.indexOf("\n")
      return eol < 0 ? undefined : eol + 1
    }, timeoutMs)
  }

  /**
   * Everything received until nothing more has come for `quietMs`: for checking that a server sends
   * nothing (there is no reply to wait for), not for waiting on a reply.
   */
  async readUntilQuiet(quietMs: number): Promise<string> {
    let seen = -1
    while (seen !== this.buffer.length && !this.closed) {
      seen = this.buffer.length
      await new Promise((resolve) => setTimeout(resolve, quietMs))
    }
    const text = this.buffer.toString("latin1")
    this.buffer = Buffer.alloc(0)
    return text
  }

  /** Resolves once the server has closed the connection (anything unread is discarded). */
  async waitForClose(timeoutMs = 5000): Promise<void> {
    await this.read(() => undefined, timeoutMs).catch((e: Error) => {
      if (!this.closed) throw e
    })
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy()
  }
}

/**
 * The length of the first complete reply in `s`, or undefined if incomplete: a retrieval or stats
 * reply ends with END, a meta VA line is followed by its data, anything else is one line.
 */
export const replyLength = (s: string): number | undefined => {
  let pos = 0
  for (;;) {
    const eol = s.indexOf("\r\n", pos)
    if (eol < 0) return undefined
    const line = s.slice(pos, eol)
    if (pos === 0 && line.startsWith("VA ")) {
      const end = eol + 2 + Number(line.split(" ")[1]) + 2
      return end > s.length ? undefined : end
    }
    if (line.startsWith("VALUE ")) {
      const bytes = Number(line.split(" ")[3])
      pos = eol + 2 + bytes + 2
      if (pos > s.length) return undefined
      continue
    }
    if (line.startsWith("STAT ")) {
      pos = eol + 2
      continue
    }
    return eol + 2
  }
}

/**
 * A reply (text or meta) made comparable across servers: CAS uniques are numbered in order of first
 * appearance (`<cas1>`, `<cas2>`, ... so equal uniques stay equal), and clock readings, which may differ
 * by a second between two servers (mg `t` and `l`, me `exp=` and `la=`), are taken out into `clocks`.
 * Data blocks are left alone.
 */
export const normaliseMeta = (reply: string): { readonly text: string; readonly clocks: ReadonlyArray<number> } => {
  const ids = new Map<string, number>()
  const cas = (unique: string) => {
    let id = ids.get(unique)
    if (id === undefined) ids.set(unique, id = ids.size + 1)
    return `<cas${id}>`
  }
  const clocks: Array<number> = []
  const clock = (value: string) => {
    clocks.push(Number(value))
    return "<clock>"
  }
  let text = ""
  let pos = 0
  for (;;) {
    const eol = reply.indexOf("\r\n", pos)
    if (eol < 0) return { text: text + reply.slice(pos), clocks }
    const words = reply.slice(pos, eol).split(" ")
    let data = -1
    switch (words[0]) {
      case "VALUE":
        if (words.length === 5) words[4] = cas(words[4]!)
        data = Number(words[3])
        break
      case "VA":
      case "HD":
      case "EN":
      case "NS":
      case "EX":
      case "NF":
        if (words[0] === "VA") data = Number(words[1])
        for (let i = words[0] === "VA" ? 2 : 1; i < words.length; i++) {
          const word = words[i]!
          if (/^c\d+$/.test(word)) words[i] = "c" + cas(word.slice(1))
          else if (/^[tl]\d+$/.test(word)) words[i] = word[0] + clock(word.slice(1))
        }
        break
      case "ME":
        for (let i = 2; i < words.length; i++) {
          const [name, value] = words[i]!.split("=")
          if (name === "cas") words[i] = `cas=${cas(value!)}`
          else if (name === "la" || (name === "exp" && value !== "-1")) words[i] = `${name}=${clock(value!)}`
        }
        break
    }
    const end = data >= 0 ? eol + 2 + data + 2 : eol + 2
    text += words.join(" ") + reply.slice(eol, end)
    pos = end
  }
}

/**
 * Opens a connection the server serves (it answers `version`), trying again while it is refused for
 * being over `-c`: a connection that just closed (the readiness probe's, say) may still count for a
 * moment. Rejects after `deadlineMs`.
 */
export const openServed = async (port: number, deadlineMs = 5000): Promise<Connection> => {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const connection = await Connection.open(port)
    const reply = await connection.request("version\r\n").catch(() => "")
    if (reply.startsWith("VERSION ")) return connection
    connection.close()
    if (Date.now() > deadline) throw new Error(`no connection served within ${deadlineMs} ms (last reply ${reply})`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
