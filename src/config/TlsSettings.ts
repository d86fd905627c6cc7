/**
 * TLS settings (`-Z` and memcached's `-o ssl_*` options) and how each option is read, as memcached
 * 1.6.18 reads them: `ssl_verify_mode` 0 to 3, `ssl_keyformat` as OpenSSL's file type number (1 PEM,
 * 2 DER), `ssl_min_version` 0 to 3 (effcached also takes the names it reports, `tlsv1.2`, ...),
 * `ssl_wbuf_size` in kilobytes. Loading the files named here is the TLS layer's job (src/tls/).
 *
 * @module
 */

/** The protocol versions `ssl_min_version` names, in memcached's spelling (`stats settings`). */
export type TlsVersion = "tlsv1.0" | "tlsv1.1" | "tlsv1.2" | "tlsv1.3"

/** The versions by memcached's numbers (`ssl_min_version=2` is TLS 1.2). */
export const TLS_VERSIONS: ReadonlyArray<TlsVersion> = ["tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"]

/**
 * How a client's certificate is checked (`ssl_verify_mode`): 0 not asked for, 1 asked for and
 * verified if given, 2 required, 3 required (and not asked again on renegotiation, which is off).
 */
export type VerifyMode = 0 | 1 | 2 | 3

/** OpenSSL's `SSL_FILETYPE_PEM` and `SSL_FILETYPE_ASN1` (DER), the values of `ssl_keyformat`. */
export const KEY_FORMAT_PEM = 1
/** See {@link KEY_FORMAT_PEM}. */
export const KEY_FORMAT_DER = 2

/** Every TLS setting. */
export interface TlsSettings {
  /** Whether listeners speak TLS (`-Z`); a `notls:` listener never does. */
  readonly enabled: boolean
  /** The server's certificate chain, PEM (`ssl_chain_cert`). */
  readonly chainCert: string | null
  /** The private key (`ssl_key`); null: in the chain file. */
  readonly key: string | null
  /** The key's format (`ssl_keyformat`): {@link KEY_FORMAT_PEM} or {@link KEY_FORMAT_DER}. */
  readonly keyFormat: number
  /** Client certificate checking (`ssl_verify_mode`). */
  readonly verifyMode: VerifyMode
  /** CA certificates that sign acceptable client certificates, PEM (`ssl_ca_cert`). */
  readonly caCert: string | null
  /** OpenSSL cipher list (`ssl_ciphers`); null: Node's default. */
  readonly ciphers: string | null
  /** The oldest protocol version accepted (`ssl_min_version`). */
  readonly minVersion: TlsVersion
  /** Whether the server keeps TLS sessions so clients can resume them (`ssl_session_cache`). */
  readonly sessionCache: boolean
  /** memcached's per-connection TLS write buffer (`ssl_wbuf_size`), in bytes: reported, not used. */
  readonly wbufSize: number
}

/** TLS off, and memcached's defaults for every option. */
export const tlsDefaults: TlsSettings = {
  enabled: false,
  chainCert: null,
  key: null,
  keyFormat: KEY_FORMAT_PEM,
  verifyMode: 0,
  caCert: null,
  ciphers: null,
  minVersion: "tlsv1.2",
  sessionCache: false,
  wbufSize: 16 * 1024
}

/** What reading one `-o` option gave. */
export type TlsOptionResult =
  | { readonly _tag: "NotTls" }
  | { readonly _tag: "Applied"; readonly tls: TlsSettings }
  | { readonly _tag: "Invalid"; readonly message: string }

const invalid = (message: string): TlsOptionResult => ({ _tag: "Invalid", message })

const number = (value: string): number | undefined => (/^\d+$/.test(value) ? Number(value) : undefined)

const minVersion = (value: string): TlsVersion | undefined => {
  const n = number(value)
  if (n !== undefined) return TLS_VERSIONS[n]
  return TLS_VERSIONS.find((v) => v === value.toLowerCase())
}

/**
 * Reads one `-o key[=value]` option into `tls` if it is a TLS option; `NotTls` otherwise, so the
 * caller tries its other options. Messages are memcached's where it has one.
 */
export const applyTlsOption = (key: string, value: string | undefined, tls: TlsSettings): TlsOptionResult => {
  const needs = (then: (v: string) => TlsOptionResult): TlsOptionResult =>
    value === undefined || value === "" ? invalid(`Missing ${key} argument`) : then(value)
  const set = (patch: Partial<TlsSettings>): TlsOptionResult => ({ _tag: "Applied", tls: { ...tls, ...patch } })
  switch (key) {
    case "ssl_chain_cert":
      return needs((v) => set({ chainCert: v }))
    case "ssl_key":
      return needs((v) => set({ key: v }))
    case "ssl_ca_cert":
      return needs((v) => set({ caCert: v }))
    case "ssl_ciphers":
      return needs((v) => set({ ciphers: v }))
    case "ssl_verify_mode":
      return needs((v) => {
        const n = number(v)
        if (n === undefined) return invalid("could not parse argument to ssl_verify_mode")
        if (n > 3) return invalid("Invalid ssl_verify_mode. Use help to see valid options.")
        return set({ verifyMode: n as VerifyMode })
      })
    case "ssl_keyformat":
      return needs((v) => {
        const n = number(v)
        if (n === undefined) return invalid("could not parse argument to ssl_keyformat")
        if (n !== KEY_FORMAT_PEM && n !== KEY_FORMAT_DER) {
          return invalid(`ssl_keyformat must be ${KEY_FORMAT_PEM} (PEM) or ${KEY_FORMAT_DER} (DER)`)
        }
        return set({ keyFormat: n })
      })
    case "ssl_min_version":
      return needs((v) => {
        const version = minVersion(v)
        return version === undefined
          ? invalid("Invalid ssl_min_version. Use help to see valid options.")
          : set({ minVersion: version })
      })
    case "ssl_wbuf_size":
      return needs((v) => {
        const n = number(v)
        if (n === undefined || n > 1024 * 1024) return invalid("could not parse argument to ssl_wbuf_size")
        return set({ wbufSize: n * 1024 })
      })
    case "ssl_session_cache":
      return set({ sessionCache: true })
    case "ssl_kernel_tls":
      // memcached's answer when its OpenSSL has no kernel TLS; Node's TLS stack has none either.
      return invalid("Kernel TLS offload is not available")
    default:
      return { _tag: "NotTls" }
  }
}
