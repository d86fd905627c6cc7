/**
 * The benchmark's throwaway TLS certificate for `--tls`: a self-signed P-256 certificate for
 * localhost made with the openssl command line in a temporary folder, removed when the scope closes.
 * The files are readable by everyone because memcached reads them after dropping to `-u nobody`;
 * they protect nothing (servers listen on loopback and clients accept any certificate).
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { run } from "./Command.js"
import type { TlsFiles } from "./Servers.js"

/** Makes the certificate and key; fails with openssl's message when they cannot be made. */
export const throwaway: Effect.Effect<TlsFiles, string, Scope.Scope> = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effcached-bench-tls-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  const files = { cert: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") }
  const made = yield* Effect.mapError(
    run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", files.key, "-out", files.cert, "-days", "1", "-subj", "/CN=localhost"]
    ]),
    (error) => `--tls needs the openssl command (apt-get install openssl): ${error.message}`
  )
  if (made.status !== 0) return yield* Effect.fail(`openssl could not make a certificate: ${made.stderr.trim()}`)
  fs.chmodSync(dir, 0o755)
  fs.chmodSync(files.key, 0o644)
  return files
})
