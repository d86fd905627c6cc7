/**
 * effcached embedded (`effcached`): the server as Effect Layers, to run a memcached-compatible cache
 * inside an Effect application, over the in-memory store or any `Store`. The client is
 * `effcached/client`.
 *
 * ```ts
 * import { Effcached, Listener } from "effcached"
 * const program = Effect.gen(function*() {
 *   const { address } = yield* Listener
 *   // ... the cache listens on 127.0.0.1:address.port until the scope closes
 * })
 * program.pipe(Effect.provide(Effcached.layer({ port: 0, memoryLimit: 64 * 1024 * 1024 })), Effect.scoped)
 * ```
 *
 * @module
 */
export { defaults as defaultSettings, type LogFormat, ServerConfig, type Settings } from "./config/ServerConfig.js"
export { EFFCACHED_VERSION, PROTOCOL_VERSION } from "./config/Version.js"
export type { MetaRequest } from "./domain/MetaRequest.js"
export type { MetaReply } from "./domain/MetaResult.js"
export type { Request } from "./domain/Request.js"
export type { Hit, Result } from "./domain/Result.js"
export * as Effcached from "./server/Effcached.js"
export { EventLoopScheduler, scheduler as eventLoopScheduler } from "./server/EventLoopScheduler.js"
export { Lifecycle, type LifecycleShape } from "./server/Lifecycle.js"
export { Listener, ListenError } from "./server/Listener.js"
export { LogFileError, Logging, type LoggingOptions } from "./server/Logging.js"
export { PartitionedStore } from "./store/PartitionedStore.js"
export { type Batch, Store, StoreFailure, type StoreShape } from "./store/Store.js"
