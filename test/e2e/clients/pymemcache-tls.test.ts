/**
 * pymemcache over TLS (`tls_context`) against the daemon started with `-Z` and certificates made for
 * the test: test/support/clients/pymemcache_tls_check.py, once with server authentication only, once
 * with mutual TLS (`ssl_verify_mode=2`) and the client's certificate.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { hasOpenssl, makeTestPki } from "../../support/certificates.js"
import { describeOutcome, pythonHas, runProgram, systemPython } from "../../support/processes.js"
import { requireTool, startEffcached } from "../../support/servers.js"

const script = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../support/clients/pymemcache_tls_check.py"
)

const present = requireTool("pymemcache (python3-pymemcache for /usr/bin/python3)", pythonHas("pymemcache")) &&
  requireTool("openssl", hasOpenssl)

describe.runIf(present)("pymemcache over TLS", () => {
  const pki = present ? makeTestPki() : (undefined as never)
  afterAll(() => pki?.remove())

  it.each([
    ["server authentication", [] as ReadonlyArray<string>, [] as ReadonlyArray<string>],
    ["mutual TLS (ssl_verify_mode=2)", [`ssl_verify_mode=2`, `ssl_ca_cert=CA`], ["CERT", "KEY"]]
  ])("passes every check with %s", async (_name, options, clientArgs) => {
    const server = await startEffcached([
      "-Z",
      "-o",
      [`ssl_chain_cert=${pki.server.cert}`, `ssl_key=${pki.server.key}`, ...options.map((o) => o.replace("CA", pki.ca))]
        .join(",")
    ])
    try {
      const args = clientArgs.map((a) => (a === "CERT" ? pki.client.cert : pki.client.key))
      const outcome = await runProgram(systemPython, [script, String(server.port), pki.ca, ...args], {
        timeoutMs: 60_000
      })
      const message = describeOutcome("pymemcache_tls_check.py", outcome, server)
      expect(outcome.code, message).toBe(0)
      expect(Number(/^OK (\d+) checks$/m.exec(outcome.stdout)?.[1]), message).toBeGreaterThanOrEqual(30)
    } finally {
      await server.stop()
    }
  }, 90_000)
})
