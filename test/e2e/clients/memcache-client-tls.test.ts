/**
 * memcache-client (npm) with its `tls` option against the daemon started with `-Z`: values of each
 * type, multi-key get and a thousand requests in flight over TLS connections; and a client whose
 * certificate the server (`ssl_verify_mode=2`) does not trust gets no answer.
 */
import { MemcacheClient, type MultiRetrievalResponse } from "memcache-client"
import * as fs from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { hasOpenssl, makeTestPki } from "../../support/certificates.js"
import { requireTool, startEffcached, useServer } from "../../support/servers.js"

const present = requireTool("openssl", hasOpenssl)

describe.runIf(present)("memcache-client (npm) over TLS", () => {
  const pki = present ? makeTestPki() : (undefined as never)
  const server = useServer(() =>
    startEffcached([
      "-Z",
      "-o",
      `ssl_chain_cert=${pki.server.cert},ssl_key=${pki.server.key},ssl_verify_mode=2,ssl_ca_cert=${pki.ca}`
    ])
  )
  const clients: Array<MemcacheClient> = []
  afterAll(() => {
    clients.forEach((c) => c.shutdown())
    pki?.remove()
  })
  const connect = (cert: { readonly cert: string; readonly key: string }, maxConnections = 1) => {
    const client = new MemcacheClient({
      server: { server: `127.0.0.1:${server.port}`, maxConnections },
      cmdTimeout: 5_000,
      tls: {
        ca: fs.readFileSync(pki.ca),
        cert: fs.readFileSync(cert.cert),
        key: fs.readFileSync(cert.key),
        servername: "localhost"
      }
    })
    clients.push(client)
    return client
  }

  it("stores and reads values of every type over TLS", async () => {
    const mc = connect(pki.client)
    const values = { text: "hello", number: 42.5, json: { a: [1, 2] }, bytes: Buffer.from([0, 1, 2, 255]) }
    for (const [key, v] of Object.entries(values)) expect(await mc.set(`tls:${key}`, v)).toEqual(["STORED"])
    for (const [key, v] of Object.entries(values)) expect((await mc.get<unknown>(`tls:${key}`))?.value).toEqual(v)
    const big = Buffer.alloc(300 * 1024, 7)
    expect(await mc.set("tls:big", big)).toEqual(["STORED"])
    expect((await mc.get<Buffer>("tls:big"))?.value).toEqual(big)
  })

  it("keeps a thousand requests in flight over several TLS connections", async () => {
    const mc = connect(pki.client, 4)
    await Promise.all(Array.from({ length: 1000 }, (_, i) => mc.set(`flight:${i}`, `v${i}`)))
    const keys = Array.from({ length: 1000 }, (_, i) => `flight:${i}`)
    const found = await mc.get<MultiRetrievalResponse<string>>(keys)
    expect(Object.keys(found)).toHaveLength(1000)
    expect(found["flight:999"]?.value).toBe("v999")
  })

  it("a client certificate the server does not trust gets no answer", async () => {
    const mc = connect(pki.stranger)
    await expect(mc.set("stranger", "x")).rejects.toThrow()
  })
})
