/**
 * The daemon over TLS (`-Z`), with certificates made for the test: handshakes at TLS 1.2 and 1.3 with
 * `openssl s_client` and node:tls, refusal below `ssl_min_version`, client certificates in each
 * `ssl_verify_mode`, certificate refresh (`refresh_certs`, SIGHUP) with a connection kept open across
 * it, TLS and plain listeners side by side, the handshake bounded by the idle timeout and counted by the
 * connection limit, and a one-line exit for every unusable certificate, key or option.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { hasOpenssl, makeTestPki, type TestPki } from "../support/certificates.js"
import { pollUntil } from "../support/poll.js"
import { runProgram } from "../support/processes.js"
import { freePort, requireTool, type RunningServer, startEffcached } from "../support/servers.js"
import { connectTls, sClient, type TlsClientOptions } from "../support/tlsWire.js"
import { session } from "../support/wire.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

const present = requireTool("openssl", hasOpenssl)

describe.runIf(present)("TLS (-Z)", () => {
  const pki: TestPki = present ? makeTestPki() : (undefined as never)
  const servers: Array<RunningServer> = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    pki?.remove()
  })

  /** The server's certificate files, copied so a test can replace them. */
  const serverFiles = () => {
    const dir = fs.mkdtempSync(path.join(pki.dir, "server-"))
    const cert = path.join(dir, "cert.pem")
    const key = path.join(dir, "key.pem")
    fs.copyFileSync(pki.server.cert, cert)
    fs.copyFileSync(pki.server.key, key)
    return { cert, key }
  }

  const start = async (options: ReadonlyArray<string> = [], args: ReadonlyArray<string> = []) => {
    const files = serverFiles()
    const server = await startEffcached([
      "-Z",
      "-o",
      [`ssl_chain_cert=${files.cert}`, `ssl_key=${files.key}`, ...options].join(","),
      ...args
    ])
    servers.push(server)
    return { server, files }
  }

  const trusted: TlsClientOptions = { ca: "" }
  const client = (extra: Partial<TlsClientOptions> = {}): TlsClientOptions => ({ ...trusted, ca: pki.ca, ...extra })

  /** The value of one general `stats` entry, over a new TLS connection. */
  const stat = async (port: number, name: string): Promise<string | undefined> => {
    const c = await connectTls(port, client())
    const reply = await c.send("stats\r\n", "END\r\n")
    c.close()
    return new RegExp(`^STAT ${name} (\\S+)\r$`, "m").exec(reply)?.[1]
  }

  it("serves text and meta commands over TLS 1.3 and 1.2 (openssl s_client)", async () => {
    const { server } = await start()
    for (const version of ["-tls1_3", "-tls1_2"]) {
      const out = await sClient(
        server.port,
        pki.ca,
        [version],
        `set k${version} 0 0 5\r\nhello\r\nget k${version}\r\nmn\r\nquit\r\n`
      )
      expect(out.code, out.stderr).toBe(0)
      expect(out.stdout).toBe(`STORED\r\nVALUE k${version} 0 5\r\nhello\r\nEND\r\nMN\r\n`)
    }
    const c = await connectTls(server.port, client())
    expect(c.socket.getProtocol()).toBe("TLSv1.3")
    expect(await c.send("version\r\n")).toBe("VERSION 1.6.18\r\n")
    c.close()
  })

  it("refuses versions below ssl_min_version, and counts the failed handshake", async () => {
    const { server } = await start(["ssl_min_version=3"])
    const before = Number(await stat(server.port, "ssl_handshake_errors"))
    const old = await sClient(server.port, pki.ca, ["-tls1_2"], "version\r\nquit\r\n")
    expect(old.code).not.toBe(0)
    expect(old.stdout).toBe("")
    await expect(connectTls(server.port, client({ maxVersion: "TLSv1.2" }))).rejects.toThrow(/version/i)
    const ok = await sClient(server.port, pki.ca, ["-tls1_3"], "version\r\nquit\r\n")
    expect(ok.stdout).toBe("VERSION 1.6.18\r\n")
    expect(Number(await stat(server.port, "ssl_handshake_errors"))).toBe(before + 2)
  })

  /** What `version` gets through s_client, presenting `cert` (or no certificate). */
  const versionAs = async (port: number, cert?: { readonly cert: string; readonly key: string }) =>
    (await sClient(
      port,
      pki.ca,
      cert === undefined ? [] : ["-cert", cert.cert, "-key", cert.key],
      "version\r\nquit\r\n"
    ))
      .stdout

  it("ssl_verify_mode=2 requires a client certificate signed by ssl_ca_cert", async () => {
    const { server } = await start(["ssl_verify_mode=2", `ssl_ca_cert=${pki.ca}`])
    expect(await versionAs(server.port)).toBe("")
    expect(await versionAs(server.port, pki.stranger)).toBe("")
    expect(await versionAs(server.port, pki.client)).toBe("VERSION 1.6.18\r\n")
    const c = await connectTls(server.port, client({ cert: pki.client, maxVersion: "TLSv1.2" }))
    expect(await c.send("version\r\n")).toBe("VERSION 1.6.18\r\n")
    c.close()
    await expect(connectTls(server.port, client({ maxVersion: "TLSv1.2" }))).rejects.toThrow()
  })

  it("ssl_verify_mode=1 lets a client without a certificate in, but not one with a certificate it cannot verify", async () => {
    const { server } = await start(["ssl_verify_mode=1", `ssl_ca_cert=${pki.ca}`])
    expect(await versionAs(server.port)).toBe("VERSION 1.6.18\r\n")
    expect(await versionAs(server.port, pki.client)).toBe("VERSION 1.6.18\r\n")
    expect(await versionAs(server.port, pki.stranger)).toBe("")
  })

  it("refresh_certs and SIGHUP load new certificates; an open connection stays open across them", async () => {
    const { files, server } = await start()
    const kept = await connectTls(server.port, client())
    expect(await kept.send("set kept 0 0 2\r\nok\r\n")).toBe("STORED\r\n")
    const subject = async () => {
      const c = await connectTls(server.port, client())
      const o = c.socket.getPeerCertificate().subject.O
      c.close()
      return o
    }
    expect(await subject()).toBeUndefined()

    fs.copyFileSync(pki.rotated.cert, files.cert)
    fs.copyFileSync(pki.rotated.key, files.key)
    expect(await kept.send("refresh_certs\r\n")).toBe("OK\r\n")
    expect(await subject()).toBe("rotated")
    expect(await kept.send("get kept\r\n", "END\r\n")).toBe("VALUE kept 0 2\r\nok\r\nEND\r\n")
    expect(Number(await stat(server.port, "time_since_server_cert_refresh"))).toBeLessThan(5)

    // A refresh that fails keeps the certificates in use, and says why in memcached's words.
    fs.writeFileSync(files.key, "not a key\n")
    expect(await kept.send("refresh_certs noreply\r\n")).toMatch(/^Error loading the key: .*key\.pem : .*\r\n$/)
    expect(await subject()).toBe("rotated")

    fs.copyFileSync(pki.server.cert, files.cert)
    fs.copyFileSync(pki.server.key, files.key)
    server.process.kill("SIGHUP")
    await pollUntil(subject, (o) => o === undefined, { deadlineMs: 5000, what: "the certificate after SIGHUP" })
    expect(await kept.send("get kept\r\n", "END\r\n")).toBe("VALUE kept 0 2\r\nok\r\nEND\r\n")
    expect(server.process.exitCode).toBeNull()
    kept.close()
  })

  it("serves TLS and plain TCP side by side (-l notls:...), and reports TLS in stats and stats settings", async () => {
    const plainPort = await freePort()
    const { files, server } = await start([], ["-l", `notls:127.0.0.1:${plainPort},127.0.0.1`])
    expect(await session(plainPort, "set shared 0 0 1\r\nx\r\n")).toBe("STORED\r\n")
    const c = await connectTls(server.port, client())
    expect(await c.send("get shared\r\n", "END\r\n")).toBe("VALUE shared 0 1\r\nx\r\nEND\r\n")
    const settings = await c.send("stats settings\r\n", "END\r\n")
    c.close()
    for (
      const line of [
        `STAT inter notls:127.0.0.1:${plainPort},127.0.0.1`,
        "STAT ssl_enabled yes",
        `STAT ssl_chain_cert ${files.cert}`,
        `STAT ssl_key ${files.key}`,
        "STAT ssl_verify_mode 0",
        "STAT ssl_keyformat 1",
        "STAT ssl_ciphers NULL",
        "STAT ssl_ca_cert NULL",
        "STAT ssl_wbuf_size 16384",
        "STAT ssl_session_cache no",
        "STAT ssl_kernel_tls no",
        "STAT ssl_min_version tlsv1.2"
      ]
    ) expect(settings).toContain(`${line}\r\n`)
    // The plain port does not speak TLS, and the TLS port does not speak plain text.
    expect(await session(server.port, "version\r\n")).toBe("")
    expect(await stat(server.port, "ssl_new_sessions")).toBeUndefined()
  })

  it("closes a connection that never completes its handshake after the idle timeout, and counts it", async () => {
    const { server } = await start([], ["-o", "idle_timeout=1"])
    const before = Number(await stat(server.port, "ssl_handshake_errors"))
    const socket = net.connect(server.port, "127.0.0.1")
    socket.on("error", () => {})
    // Generous bound: the timeout is 1 s; the connection must be closed by the server well within 10 s.
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000)
      socket.once("close", () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
    expect(closed).toBe(true)
    expect(Number(await stat(server.port, "ssl_handshake_errors"))).toBe(before + 1)
  })

  it("counts handshaking connections against the connection limit (-c)", async () => {
    const { server } = await start([], ["-c", "3"])
    const idle = await Promise.all([0, 1, 2].map(() =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(server.port, "127.0.0.1", () => resolve(s))
        s.on("error", () => {})
      })
    ))
    await expect(connectTls(server.port, client())).rejects.toThrow()
    idle.forEach((s) => s.destroy())
    await pollUntil(
      async () => {
        try {
          const c = await connectTls(server.port, client())
          c.close()
          return true
        } catch {
          return false
        }
      },
      (ok) => ok,
      { deadlineMs: 5000, what: "a connection once the handshaking ones are gone" }
    )
    expect(Number(await stat(server.port, "rejected_connections"))).toBeGreaterThanOrEqual(1)
  })

  /** Connects at TLS 1.2, then again resuming that session: whether the server resumed it. */
  const resumes = async (port: number) => {
    const first = await connectTls(port, client({ maxVersion: "TLSv1.2" }))
    await first.send("version\r\n")
    const saved = first.socket.getSession()
    first.close()
    expect(saved).toBeDefined()
    const second = await connectTls(port, client({ maxVersion: "TLSv1.2", session: saved! }))
    await second.send("version\r\n")
    const reused = second.socket.isSessionReused()
    second.close()
    return reused
  }

  it("resumes sessions, counting only new ones, with ssl_session_cache; not without it (memcached's default)", async () => {
    const cached = (await start(["ssl_session_cache"])).server
    const before = Number(await stat(cached.port, "ssl_new_sessions"))
    expect(before).toBeGreaterThan(0)
    expect(await resumes(cached.port)).toBe(true)
    // One new session for the first connection of resumes(); the resumed one is not new.
    expect(Number(await stat(cached.port, "ssl_new_sessions"))).toBe(before + 2)
    const plain = (await start()).server
    expect(await resumes(plain.port)).toBe(false)
  })

  describe("a certificate, key or option that cannot be used exits with one line naming it", () => {
    const tlsArgs = (options: string) => ["-Z", "-o", options]
    // Every message is checked in test/tls/TlsContext.test.ts; here, that the daemon exits with it.
    const cases: ReadonlyArray<readonly [string, () => ReadonlyArray<string>, number, RegExp]> = [
      [
        "a missing certificate file",
        () => tlsArgs(`ssl_chain_cert=${pki.dir}/none.pem,ssl_key=${pki.server.key}`),
        73,
        /Error loading the certificate chain: .*none\.pem/
      ],
      [
        "a key of another certificate",
        () => tlsArgs(`ssl_chain_cert=${pki.server.cert},ssl_key=${pki.client.key}`),
        64,
        /Error validating the certificate/
      ],
      ["notls: without -Z", () => ["-l", "notls:127.0.0.1"], 64, /'notls' option is valid only when SSL is enabled/]
    ]

    it("exits 73 for a file it cannot read, 64 for anything else, each with one line", async () => {
      // The daemons start concurrently: each exits at once.
      const results = await Promise.all(
        cases.map(([, args]) =>
          runProgram(process.execPath, ["dist/main.js", "-p", "0", ...args()], { timeoutMs: 60_000, cwd: root })
        )
      )
      cases.forEach(([name, , status, message], i) => {
        const lines = results[i]!.stderr.trim().split("\n")
        expect(results[i]!.code, `${name}: ${results[i]!.stderr}`).toBe(status)
        expect(lines, name).toHaveLength(1)
        expect(lines[0], name).toMatch(message)
      })
    }, 90_000)
  })
})
