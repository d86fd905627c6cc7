import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as tls from "node:tls"
import { tlsDefaults, type TlsSettings } from "../../src/config/TlsSettings.js"
import { contextOptions, loadCredentials } from "../../src/tls/TlsContext.js"
import { hasOpenssl, makeTestPki } from "../support/certificates.js"
import { requireTool } from "../support/servers.js"

const present = requireTool("openssl", hasOpenssl)

describe.runIf(present)("TlsContext", () => {
  const pki = present ? makeTestPki() : (undefined as never)
  afterAll(() => pki?.remove())
  const settings = (patch: Partial<TlsSettings>): TlsSettings => ({
    ...tlsDefaults,
    enabled: true,
    chainCert: pki.server.cert,
    key: pki.server.key,
    ...patch
  })
  const failure = (patch: Partial<TlsSettings>) => Effect.runPromise(Effect.flip(loadCredentials(settings(patch))))

  it("loads a chain, key and CA that go together, into options node:tls accepts", async () => {
    const credentials = await Effect.runPromise(loadCredentials(settings({ caCert: pki.ca })))
    const options = contextOptions(settings({ caCert: pki.ca }), credentials)
    expect(options.minVersion).toBe("TLSv1.2")
    expect(options.ca).toBeDefined()
    expect(() => tls.createSecureContext(options)).not.toThrow()
    expect(contextOptions(settings({ minVersion: "tlsv1.3" }), credentials).minVersion).toBe("TLSv1.3")
  })

  it("reads the key from the chain file when ssl_key is not given, and DER keys with ssl_keyformat=2", async () => {
    const dir = fs.mkdtempSync(path.join(pki.dir, "formats-"))
    const both = path.join(dir, "both.pem")
    fs.writeFileSync(both, fs.readFileSync(pki.server.cert, "latin1") + fs.readFileSync(pki.server.key, "latin1"))
    await Effect.runPromise(loadCredentials(settings({ chainCert: both, key: null })))
    const der = path.join(dir, "key.der")
    const { createPrivateKey } = await import("node:crypto")
    fs.writeFileSync(der, createPrivateKey(fs.readFileSync(pki.server.key)).export({ format: "der", type: "pkcs8" }))
    await Effect.runPromise(loadCredentials(settings({ key: der, keyFormat: 2 })))
    expect((await failure({ keyFormat: 2 })).message).toMatch(/^Error loading the key: .*not a DER private key/)
  })

  it.each(
    [
      ["no chain", { chainCert: null }, 64, /^Error loading the certificate chain: -Z needs -o ssl_chain_cert/],
      [
        "a missing chain file",
        { chainCert: "/nonexistent/cert.pem" },
        73,
        /^Error loading the certificate chain: \/nonexistent\/cert\.pem : .*ENOENT/
      ],
      [
        "a missing key file",
        { key: "/nonexistent/key.pem" },
        73,
        /^Error loading the key: \/nonexistent\/key\.pem : .*ENOENT/
      ],
      [
        "a missing CA file",
        { caCert: "/nonexistent/ca.pem" },
        73,
        /^Error loading the CA certificate: \/nonexistent\/ca\.pem/
      ],
      ["unknown ciphers", { ciphers: "NOPE" }, 64, /^Error setting the provided cipher\(s\): NOPE$/]
    ] as const
  )("refuses %s, naming it", async (_name, patch, exitCode, message) => {
    const error = await failure(patch)
    expect(error.exitCode).toBe(exitCode)
    expect(error.message).toMatch(message)
  })

  it("names the file that is not what it should be: chain, key, pair, CA", async () => {
    expect((await failure({ chainCert: pki.server.key })).message).toMatch(
      /^Error loading the certificate chain: .*server-key\.pem : /
    )
    expect((await failure({ key: pki.ca })).message).toMatch(/^Error loading the key: .*ca\.pem : /)
    expect((await failure({ key: pki.client.key })).message).toMatch(/^Error validating the certificate: /)
    expect((await failure({ caCert: pki.server.key })).message).toMatch(
      /^Error loading the CA certificate: .*server-key\.pem/
    )
    for (const patch of [{ chainCert: pki.server.key }, { key: pki.ca }, { key: pki.client.key }]) {
      expect((await failure(patch)).exitCode).toBe(64)
    }
  })
})
