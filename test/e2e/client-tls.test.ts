/**
 * The client over TLS against a real memcached started with -Z (memcached 1.6 built with TLS), on
 * throwaway certificates: the server verified against the test CA, a server that wants a client
 * certificate, and a client that does not trust the server's CA.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { MemcachedClient } from "../../src/client/index.js"
import { clientLayer, text } from "../support/client.js"
import { memcachedPath, requireTool, type RunningServer, startMemcached } from "../support/servers.js"
import { type Certificates, makeCertificates, opensslPresent } from "../support/tls.js"

const present = requireTool("memcached", memcachedPath !== undefined) && requireTool("openssl", opensslPresent)

describe.runIf(present)("the client over TLS (memcached -Z)", () => {
  let certs: Certificates
  let server: RunningServer
  let mutual: RunningServer
  beforeAll(async () => {
    certs = makeCertificates()
    const tls = `ssl_chain_cert=${certs.serverCert},ssl_key=${certs.serverKey}`
    server = await startMemcached(["-Z", "-o", tls])
    mutual = await startMemcached(["-Z", "-o", `${tls},ssl_verify_mode=3,ssl_ca_cert=${certs.caCert}`])
  })
  afterAll(async () => {
    await server?.stop()
    await mutual?.stop()
    certs?.remove()
  })

  const trusting = () => ({ ca: certs.pem(certs.caCert), servername: "localhost" })

  it.effect("commands over TLS, the server checked against the CA", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("secure", "value")
      expect(text(yield* c.get("secure"))).toBe("value")
    }).pipe(Effect.provide(clientLayer([server.port], { tls: trusting() }))))

  it.effect("a client certificate, for a server that asks for one", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("mutual", "yes")
      expect(text(yield* c.get("mutual"))).toBe("yes")
    }).pipe(Effect.provide(clientLayer([mutual.port], {
      tls: { ...trusting(), cert: certs.pem(certs.clientCert), key: certs.pem(certs.clientKey) }
    }))))

  it.effect("a server whose certificate the client does not trust is refused: ConnectionLost", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      const refused = yield* Effect.flip(c.get("k"))
      expect(refused._tag).toBe("ConnectionLost")
      expect(refused.message).toMatch(/certificate/i)
    }).pipe(Effect.provide(clientLayer([server.port], { tls: { servername: "localhost" } }))))

  it.effect("plain TCP to the TLS port: the server hangs up, ConnectionLost (the port really is TLS)", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      expect(yield* Effect.flip(c.get("k"))).toMatchObject({ _tag: "ConnectionLost" })
    }).pipe(Effect.provide(clientLayer([server.port]))))
})
