/**
 * Server addresses as libmemcached, pylibmc and twemproxy spell them: `host[:port[:weight]]`, an IPv6
 * host in brackets, and twemproxy's optional ` name` after the weight. The name is what consistent
 * hashing hashes, so it decides where keys live.
 *
 * @module
 */
import * as Either from "effect/Either"

/** memcached's port, which libmemcached and twemproxy leave out of the name they hash. */
export const DEFAULT_PORT = 11211

/** A server of the pool. */
export interface ServerAddress {
  readonly host: string
  readonly port: number
  /** Relative share of the keys (ketama's weight); 1 unless given. */
  readonly weight: number
  /**
   * What ketama hashes for this server: twemproxy's server name when one is given, else `host` on port
   * 11211 and `host:port` on any other, as libmemcached and twemproxy do.
   */
  readonly name: string
  /** `host:port`, for messages and span attributes. */
  readonly label: string
}

/** A server given as an object: `weight` and `name` are optional. */
export interface ServerOptions {
  readonly host: string
  readonly port?: number
  readonly weight?: number
  readonly name?: string
}

/** Fills in a server's port, weight, name and label. */
export const address = (options: ServerOptions): ServerAddress => {
  const port = options.port ?? DEFAULT_PORT
  const weight = options.weight ?? 1
  const hostPart = options.host.includes(":") ? `[${options.host}]` : options.host
  return {
    host: options.host,
    port,
    weight,
    name: options.name ?? (port === DEFAULT_PORT ? options.host : `${options.host}:${port}`),
    label: `${hostPart}:${port}`
  }
}

const SPEC = /^(?:\[([^\]]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?(?::(\d{1,9}))?(?:\s+(\S+))?$/

/** Parses `host[:port[:weight]][ name]` (an IPv6 host in brackets). */
export const parseAddress = (spec: string): Either.Either<ServerAddress, string> => {
  const match = SPEC.exec(spec.trim())
  if (match === null) return Either.left(`not a server address (host[:port[:weight]]): ${JSON.stringify(spec)}`)
  const port = match[3] === undefined ? DEFAULT_PORT : Number(match[3])
  if (port < 1 || port > 65535) return Either.left(`port out of range in ${JSON.stringify(spec)}`)
  const weight = match[4] === undefined ? 1 : Number(match[4])
  if (weight < 1) return Either.left(`weight must be at least 1 in ${JSON.stringify(spec)}`)
  return Either.right(address({
    host: match[1] ?? match[2]!,
    port,
    weight,
    ...(match[5] === undefined ? {} : { name: match[5] })
  }))
}

/** Parses a comma-separated server list (`--servers a:11211,b:11211`), as libmemcached's tools take it. */
export const parseAddresses = (list: string): Either.Either<ReadonlyArray<ServerAddress>, string> => {
  const specs = list.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  if (specs.length === 0) return Either.left("no server given")
  return Either.all(specs.map(parseAddress))
}
