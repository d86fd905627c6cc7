/**
 * Throwaway certificates for TLS tests, made with the openssl command line in a fresh temporary
 * folder: a CA, a server certificate it signs (for localhost and 127.0.0.1), a client certificate it
 * signs, and a client certificate signed by another CA (which the server must refuse). EC P-256 keys
 * keep generation fast.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** Whether the openssl command is installed. */
export const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0

/** A certificate and its key, as files. */
export interface CertFiles {
  readonly cert: string
  readonly key: string
}

/** Everything a TLS test needs, as file paths. */
export interface TestPki {
  readonly dir: string
  /** The CA that signs the server and the trusted client. */
  readonly ca: string
  readonly server: CertFiles
  readonly client: CertFiles
  /** A client certificate from a CA the server does not trust. */
  readonly stranger: CertFiles
  /** Another server certificate from the same CA (a rotation), with a different subject. */
  readonly rotated: CertFiles
  /** Removes the folder. */
  readonly remove: () => void
}

const openssl = (dir: string, args: ReadonlyArray<string>): void => {
  const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`)
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

/** A self-signed CA named `name`. */
const makeCa = (dir: string, name: string): CertFiles => {
  const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) }
  openssl(dir, [
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    files.key,
    "-out",
    files.cert,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`
  ])
  return files
}

/** A certificate for `subject` signed by `ca`, with the given subjectAltName. */
const makeSigned = (dir: string, name: string, ca: CertFiles, subject: string, altNames: string): CertFiles => {
  const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) }
  const csr = path.join(dir, `${name}.csr`)
  const ext = path.join(dir, `${name}.ext`)
  fs.writeFileSync(ext, `subjectAltName=${altNames}\n`)
  openssl(dir, ["req", "-new", ...EC_KEY, "-keyout", files.key, "-out", csr, "-subj", subject])
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    files.cert,
    "-days",
    "2",
    "-extfile",
    ext
  ])
  return files
}

/** Makes a fresh set of test certificates (about a tenth of a second). */
export const makeTestPki = (): TestPki => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-pki-"))
  const ca = makeCa(dir, "ca")
  const other = makeCa(dir, "other-ca")
  const serverNames = "DNS:localhost,IP:127.0.0.1"
  return {
    dir,
    ca: ca.cert,
    server: makeSigned(dir, "server", ca, "/CN=localhost", serverNames),
    rotated: makeSigned(dir, "rotated", ca, "/CN=localhost/O=rotated", serverNames),
    client: makeSigned(dir, "client", ca, "/CN=client", "DNS:client"),
    stranger: makeSigned(dir, "stranger", other, "/CN=stranger", "DNS:stranger"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true })
  }
}
