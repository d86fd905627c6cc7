/**
 * Throwaway TLS certificates for tests, made with the openssl command: a CA, a server certificate for
 * localhost and 127.0.0.1, and a client certificate, all signed by the CA, in a temporary folder.
 */
import { spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"

/** Whether the openssl command is there. */
export const opensslPresent = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0

/** The certificates' files (and their PEM text), and a way to remove them. */
export interface Certificates {
  readonly dir: string
  readonly caCert: string
  readonly serverCert: string
  readonly serverKey: string
  readonly clientCert: string
  readonly clientKey: string
  readonly pem: (file: string) => string
  readonly remove: () => void
}

const openssl = (args: ReadonlyArray<string>, cwd: string): void => {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" })
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr}`)
}

/** Makes a CA and a server and a client certificate signed by it (valid one day). */
export const makeCertificates = (): Certificates => {
  const dir = mkdtempSync(path.join(tmpdir(), "effcached-tls-"))
  // memcached reads them after dropping to the user `nobody`.
  chmodSync(dir, 0o755)
  const key = ["-newkey", "rsa:2048", "-nodes"]
  openssl([
    "req",
    "-x509",
    ...key,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=effcached test CA",
    "-days",
    "1"
  ], dir)
  const sign = (name: string, subject: string, extensions: string) => {
    openssl(["req", ...key, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir)
    writeFileSync(path.join(dir, `${name}.ext`), extensions)
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-extfile",
        `${name}.ext`
      ],
      dir
    )
    chmodSync(path.join(dir, `${name}.key`), 0o644)
  }
  sign("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
  sign("client", "/CN=effcached test client", "extendedKeyUsage=clientAuth\n")
  const file = (name: string) => path.join(dir, name)
  return {
    dir,
    caCert: file("ca.crt"),
    serverCert: file("server.crt"),
    serverKey: file("server.key"),
    clientCert: file("client.crt"),
    clientKey: file("client.key"),
    pem: (f) => readFileSync(f, "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}
