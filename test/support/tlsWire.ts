/**
 * TLS wire sessions for tests: connect with node:tls (trusting the test CA), send exact bytes, collect
 * the replies; and `openssl s_client` runs, to check what an independent TLS stack negotiates.
 */
import * as fs from "node:fs"
import * as tls from "node:tls"
import { runProgram } from "./processes.js"

/** How the test client connects: the CA it trusts, and a client certificate if any. */
export interface TlsClientOptions {
  readonly ca: string
  readonly cert?: { readonly cert: string; readonly key: string }
  readonly minVersion?: tls.SecureVersion
  readonly maxVersion?: tls.SecureVersion
  /** A session to resume (`TLSSocket#getSession` of an earlier connection). */
  readonly session?: Buffer
}

/** node:tls options for a client of a test server on 127.0.0.1 whose certificate names localhost. */
export const clientOptions = (port: number, options: TlsClientOptions): tls.ConnectionOptions => ({
  host: "127.0.0.1",
  port,
  servername: "localhost",
  ca: fs.readFileSync(options.ca),
  ...(options.cert !== undefined
    ? { cert: fs.readFileSync(options.cert.cert), key: fs.readFileSync(options.cert.key) }
    : {}),
  ...(options.minVersion !== undefined ? { minVersion: options.minVersion } : {}),
  ...(options.maxVersion !== undefined ? { maxVersion: options.maxVersion } : {}),
  ...(options.session !== undefined ? { session: options.session } : {})
})

/** An open TLS connection: send bytes, read until a reply ends with a given terminator. */
export interface TlsConnection {
  readonly socket: tls.TLSSocket
  /** Sends `request` and resolves with what arrives until the received text ends with `until`. */
  readonly send: (request: string, until?: string) => Promise<string>
  readonly close: () => void
}

/** Connects and completes the handshake; rejects with the handshake's error. */
export const connectTls = (port: number, options: TlsClientOptions): Promise<TlsConnection> =>
  new Promise((resolve, reject) => {
    const socket = tls.connect(clientOptions(port, options))
    let received = ""
    let waiting: { readonly until: string; readonly done: (reply: string) => void } | undefined
    const check = () => {
      if (waiting !== undefined && received.endsWith(waiting.until)) {
        const { done } = waiting
        const reply = received
        waiting = undefined
        received = ""
        done(reply)
      }
    }
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1")
      check()
    })
    socket.once("error", reject)
    socket.once("secureConnect", () => {
      // TLS 1.3 clients learn of a refused certificate only when the server's alert arrives: wait
      // for the first read to tell a live connection from a refused one.
      socket.off("error", reject)
      socket.on("error", () => {})
      resolve({
        socket,
        send: (request, until = "\r\n") =>
          new Promise((done, fail) => {
            waiting = { until, done }
            socket.once("close", () => fail(new Error(`closed; got ${JSON.stringify(received)}`)))
            socket.write(request)
            check()
          }),
        close: () => socket.destroy()
      })
    })
  })

/** What `openssl s_client` printed and how it ended. */
export interface SClientOutcome {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `openssl s_client` against the server with `args` (e.g. `-tls1_2`), sends `input` (end it with
 * `quit\r\n` so the server closes) and returns its output.
 */
export const sClient = async (
  port: number,
  ca: string,
  args: ReadonlyArray<string>,
  input: string
): Promise<SClientOutcome> => {
  const inputFile = `${ca}.input-${port}-${Math.random().toString(36).slice(2)}`
  fs.writeFileSync(inputFile, input)
  try {
    // -quiet implies -ign_eof: s_client keeps reading after its input ends, until the server closes.
    const outcome = await runProgram("sh", [
      "-c",
      `exec openssl s_client -connect 127.0.0.1:${port} -servername localhost -CAfile "$0" ` +
      `-verify_return_error -quiet "$@" < "${inputFile}"`,
      ca,
      ...args
    ], { timeoutMs: 10_000 })
    return { code: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr }
  } finally {
    fs.rmSync(inputFile, { force: true })
  }
}
