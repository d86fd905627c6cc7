/**
 * The `-l` list, read as memcached 1.6 reads it: addresses separated by commas (or semicolons), each
 * `[notls:]host[:port]`, with IPv6 addresses in brackets when a port follows (`[::1]:11311`) and `*`
 * for every interface. An address without a port listens on `-p`. With TLS on (`-Z`), every listener
 * speaks TLS except those prefixed `notls:`; the prefix without `-Z` is an error, as in memcached.
 *
 * @module
 */

/** One socket to listen on. */
export interface ListenSpec {
  /** The interface; null for every interface (`*`). */
  readonly host: string | null
  readonly port: number
  /** Whether connections accepted here start with a TLS handshake. */
  readonly tls: boolean
}

const NOTLS = "notls:"

const entry = (raw: string, defaultPort: number, tlsEnabled: boolean): ListenSpec | string => {
  let rest = raw
  let tls = tlsEnabled
  if (rest.startsWith("notls")) {
    if (!tlsEnabled) return "'notls' option is valid only when SSL is enabled"
    if (!rest.startsWith(NOTLS)) return `expected notls:<address> in ${JSON.stringify(raw)}`
    tls = false
    rest = rest.slice(NOTLS.length)
  }
  if (/^(proto|tag)\[/.test(rest)) return `listener options such as ${JSON.stringify(raw)} are not supported`
  let host: string
  let portText: string | undefined
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close < 0) return `Invalid IPV6 address: ${JSON.stringify(rest)}`
    host = rest.slice(1, close)
    const after = rest.slice(close + 1)
    if (after.length > 0) {
      if (!after.startsWith(":")) return `Invalid IPV6 address: ${JSON.stringify(rest)}`
      portText = after.slice(1)
    }
  } else {
    const colon = rest.indexOf(":")
    // One colon: host:port. More: an IPv6 address without a port (memcached's reading too).
    if (colon >= 0 && rest.indexOf(":", colon + 1) < 0) {
      host = rest.slice(0, colon)
      portText = rest.slice(colon + 1)
    } else {
      host = rest
    }
  }
  if (host.length === 0) return `expected an address before the port in ${JSON.stringify(raw)}`
  let port = defaultPort
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) return `Invalid port number: ${JSON.stringify(portText)}`
    port = Number(portText)
  }
  return { host: host === "*" ? null : host, port, tls }
}

/** Reads the `-l` value; a string is the error, naming the part at fault. */
export const parseListen = (
  raw: string,
  defaultPort: number,
  tlsEnabled: boolean
): ReadonlyArray<ListenSpec> | string => {
  const specs: Array<ListenSpec> = []
  for (const part of raw.split(/[;,]/)) {
    if (part.length === 0) continue
    const spec = entry(part, defaultPort, tlsEnabled)
    if (typeof spec === "string") return spec
    specs.push(spec)
  }
  if (specs.length === 0) return "expected an address such as 127.0.0.1 or 0.0.0.0"
  return specs
}

/** `host:port` as a person reads it (`[::1]:11211`, `*:11211`). */
export const formatListenSpec = (spec: ListenSpec): string =>
  `${spec.host === null ? "*" : spec.host.includes(":") ? `[${spec.host}]` : spec.host}:${spec.port}`

/** Whether an interface is on this machine only (traffic to it never crosses a network). */
export const isLoopback = (host: string | null): boolean =>
  host !== null && (host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host))
