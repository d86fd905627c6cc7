/**
 * The metrics endpoint of a daemon with TLS (`-Z`) and ASCII authentication (`-Y`): after a failed
 * handshake, a failed and a successful authentication and a resumable session, the effcached_tls_*
 * and effcached_auth_* families (parsed with Prometheus's Python parser) equal `stats`' lines.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hasOpenssl, makeTestPki, type TestPki } from "../support/certificates.js"
import { pollUntil } from "../support/poll.js"
import { hasPrometheusParser, parsePrometheus, sampleValue } from "../support/prometheus.js"
import { freePort, requireTool, startEffcached, useServer } from "../support/servers.js"
import { connectTls } from "../support/tlsWire.js"

const present = requireTool("openssl", hasOpenssl) && hasPrometheusParser()

/** A plain TCP client on a TLS port: its bytes are no ClientHello, so the handshake fails. */
const failHandshake = (port: number): Promise<void> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write("version\r\n"))
    socket.on("error", () => undefined)
    socket.on("close", () => resolve())
  })

describe.runIf(present)("TLS and authentication metrics", () => {
  const pki: TestPki = present ? makeTestPki() : (undefined as never)
  afterAll(() => pki?.remove())
  let metricsPort = 0
  const server = useServer(async () => {
    const authfile = path.join(pki.dir, "authfile")
    fs.writeFileSync(authfile, "user:secret\n")
    metricsPort = await freePort()
    return startEffcached([
      "-Z",
      "-o",
      `ssl_chain_cert=${pki.server.cert},ssl_key=${pki.server.key},ssl_session_cache`,
      "-Y",
      authfile,
      "--metrics-port",
      String(metricsPort)
    ])
  })

  it("exports the handshake errors, sessions, certificate age and authentications that stats reports", async () => {
    const c = await connectTls(server.port, { ca: pki.ca })
    expect(await c.send("set a 0 0 10\r\nuser wrong\r\n", "\r\n")).toBe("CLIENT_ERROR authentication failure\r\n")
    expect(await c.send("set a 0 0 11\r\nuser secret\r\n", "\r\n")).toBe("STORED\r\n")
    const stats = async () => {
      const reply = await c.send("stats\r\n", "END\r\n")
      return new Map([...reply.matchAll(/^STAT (\S+) (\S+)\r$/gm)].map((m) => [m[1]!, Number(m[2]!)]))
    }
    // The start-up check (a plain connect) has failed a handshake already: count from here.
    const errors = (await stats()).get("ssl_handshake_errors")!
    await failHandshake(server.port)
    // The failed handshake is counted when the server gives up on it, which may follow its close.
    const before = (await pollUntil(stats, (s) => s.get("ssl_handshake_errors")! > errors, {
      deadlineMs: 10_000,
      what: "ssl_handshake_errors to count the plain-TCP client"
    })).at(-1)!
    const families = parsePrometheus(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
    const after = await stats()
    c.close()

    for (
      const [stat, metric] of [
        ["ssl_handshake_errors", "effcached_tls_handshake_errors_total"],
        ["ssl_new_sessions", "effcached_tls_new_sessions_total"],
        ["auth_cmds", "effcached_auth_commands_total"],
        ["auth_errors", "effcached_auth_errors_total"]
      ] as const
    ) {
      // Nothing else talks to the daemon: the counters do not move between the two stats.
      expect(after.get(stat), stat).toBe(before.get(stat))
      expect(sampleValue(families, metric), metric).toBe(before.get(stat))
    }
    expect(before.get("ssl_handshake_errors")).toBe(errors + 1)
    expect(before.get("ssl_new_sessions")).toBeGreaterThanOrEqual(1)
    expect(before.get("auth_cmds")).toBe(2)
    expect(before.get("auth_errors")).toBe(1)
    const age = sampleValue(families, "effcached_tls_certificate_age_seconds")!
    expect(age).toBeGreaterThanOrEqual(before.get("time_since_server_cert_refresh")!)
    expect(age).toBeLessThanOrEqual(after.get("time_since_server_cert_refresh")!)
    expect(families.find((f) => f.name === "effcached_tls_certificate_age_seconds")?.type).toBe("gauge")
    expect(families.find((f) => f.name === "effcached_auth_errors")?.type).toBe("counter")
  })
})
