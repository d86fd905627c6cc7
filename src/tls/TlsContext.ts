/**
 * From TLS settings to what `node:tls` takes: the certificate chain, key and CA read from their
 * files and checked the way memcached's `load_server_certificates` checks them (chain, then key,
 * then that they match, then the CA), the client certificate mode, the ciphers and the minimum
 * version. Every failure is one line naming the file or option at fault, with memcached's wording,
 * and the exit status the daemon uses for it: 73 when a file cannot be read, 64 otherwise.
 *
 * @module
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as tls from "node:tls"
import { KEY_FORMAT_DER, type TlsSettings, type TlsVersion } from "../config/TlsSettings.js"

/** sysexits' EX_USAGE: a certificate, key or option that cannot be used. */
export const EX_USAGE = 64
/** sysexits' EX_CANTCREAT, effcached's status for a file that cannot be opened. */
export const EX_CANTCREAT = 73

/** The TLS configuration cannot be used; `message` is memcached's line for it. */
export class TlsConfigError extends Data.TaggedError("TlsConfigError")<{
  readonly message: string
  /** The daemon's exit status at startup: {@link EX_CANTCREAT} for an unreadable file, else {@link EX_USAGE}. */
  readonly exitCode: number
}> {}

const NODE_VERSIONS: Record<TlsVersion, tls.SecureVersion> = {
  "tlsv1.0": "TLSv1",
  "tlsv1.1": "TLSv1.1",
  "tlsv1.2": "TLSv1.2",
  "tlsv1.3": "TLSv1.3"
}

/** Node's name of a minimum version (`TLSv1.2`). */
export const nodeVersion = (version: TlsVersion): tls.SecureVersion => NODE_VERSIONS[version]

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const readFile = (what: string, path: string) =>
  Effect.tryPromise({
    try: () => fs.promises.readFile(path),
    catch: (e) => new TlsConfigError({ message: `Error loading the ${what}: ${path} : ${reason(e)}`, exitCode: 73 })
  })

const usage = (message: string) => new TlsConfigError({ message, exitCode: EX_USAGE })

/** A DER private key (PKCS#8, PKCS#1 RSA or SEC1 EC), as PEM for node:tls. */
const derToPem = (der: Buffer): string | undefined => {
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return crypto.createPrivateKey({ key: der, format: "der", type }).export({ format: "pem", type: "pkcs8" })
        .toString()
    } catch {
      // Not this encoding: try the next.
    }
  }
  return undefined
}

/** The certificates and key, read and checked. */
export interface Credentials {
  readonly cert: Buffer
  readonly key: Buffer | string
  readonly ca: Buffer | undefined
}

/** The options node:tls takes for a secure context, from the settings and the files' contents. */
export const contextOptions = (settings: TlsSettings, credentials: Credentials): tls.SecureContextOptions => ({
  cert: credentials.cert,
  key: credentials.key,
  ...(credentials.ca !== undefined ? { ca: credentials.ca } : {}),
  ...(settings.ciphers !== null ? { ciphers: settings.ciphers } : {}),
  minVersion: nodeVersion(settings.minVersion),
  // Without the session cache, no ticket either: a client cannot resume (memcached's default).
  ...(settings.sessionCache ? {} : { secureOptions: crypto.constants.SSL_OP_NO_TICKET }),
  // Resumed sessions must be tied to this server's settings (OpenSSL refuses resumption otherwise
  // when client certificates are requested).
  sessionIdContext: "effcached"
})

/**
 * Reads the chain, key and CA files and checks them with a trial secure context, as memcached does
 * at startup and on `refresh_certs`.
 */
export const loadCredentials = (settings: TlsSettings): Effect.Effect<Credentials, TlsConfigError> =>
  Effect.gen(function*() {
    if (settings.chainCert === null) {
      return yield* usage("Error loading the certificate chain: -Z needs -o ssl_chain_cert=<file>")
    }
    const cert = yield* readFile("certificate chain", settings.chainCert)
    if (!cert.includes("-----BEGIN CERTIFICATE-----")) {
      return yield* usage(`Error loading the certificate chain: ${settings.chainCert} : no PEM certificate in it`)
    }
    const keyPath = settings.key ?? settings.chainCert
    const keyBytes = yield* readFile("key", keyPath)
    const key = settings.keyFormat === KEY_FORMAT_DER ? derToPem(keyBytes) : keyBytes
    if (key === undefined) return yield* usage(`Error loading the key: ${keyPath} : not a DER private key`)
    // One check at a time, so the error names the file at fault as memcached's does.
    try {
      tls.createSecureContext({ cert })
    } catch (e) {
      return yield* usage(`Error loading the certificate chain: ${settings.chainCert} : ${reason(e)}`)
    }
    try {
      crypto.createPrivateKey(key)
    } catch (e) {
      return yield* usage(`Error loading the key: ${keyPath} : ${reason(e)}`)
    }
    try {
      tls.createSecureContext({ cert, key })
    } catch (e) {
      return yield* usage(`Error validating the certificate: ${reason(e)}`)
    }
    let ca: Buffer | undefined
    if (settings.caCert !== null) {
      ca = yield* readFile("CA certificate", settings.caCert)
      try {
        tls.createSecureContext({ ca })
        if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new Error("no PEM certificate in it")
      } catch (e) {
        return yield* usage(`Error loading the CA certificate: ${settings.caCert} : ${reason(e)}`)
      }
    }
    const credentials: Credentials = { cert, key, ca }
    try {
      tls.createSecureContext(contextOptions(settings, credentials))
    } catch (e) {
      return yield* usage(
        settings.ciphers !== null && /cipher/i.test(reason(e))
          ? `Error setting the provided cipher(s): ${settings.ciphers}`
          : `Error setting up TLS: ${reason(e)}`
      )
    }
    return credentials
  })
