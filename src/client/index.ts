/**
 * effcached's client (`effcached/client`): a typed Effect client for memcached and effcached, with
 * automatic pipelining, consistent hashing compatible with libmemcached's ketama, server health,
 * typed views with Schema, stampede protection, TLS and spans. See docs/client.md.
 *
 * @module
 */
export type { MetaDebugReply, MetaReply, MetaStatus } from "../domain/MetaResult.js"
export type { Request } from "../domain/Request.js"
export type { Hit, Result } from "../domain/Result.js"
export * from "./Errors.js"
export type { ServerResult } from "./Executor.js"
export { Continuum, hashKey } from "./Ketama.js"
export * from "./MemcachedClient.js"
export type {
  MetaArithmeticOptions,
  MetaCommon,
  MetaDeleteOptions,
  MetaGetOptions,
  MetaSetOptions,
  ValueInput
} from "./Requests.js"
export { parseAddress, parseAddresses, type ServerAddress, type ServerOptions } from "./ServerAddress.js"
export type { StampedeOptions } from "./Stampede.js"
export * as TypedCache from "./TypedCache.js"
export * as ValueCodec from "./ValueCodec.js"
