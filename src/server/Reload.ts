/**
 * SIGHUP: re-reads the `-Y` authentication file (as memcached does on SIGHUP), the `-S` SASL
 * password file (memcached's pwdb build opens it at every attempt; effcached keeps digests) and the TLS
 * certificates (as `refresh_certs` does; memcached reloads those only on the command). Connections
 * stay open; a file that cannot be used is logged and the one in use stays.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import { Authenticator } from "../auth/Authenticator.js"
import { Tls } from "../tls/Tls.js"

/** The reload, as a service: its layer runs it on every SIGHUP while the layer is in scope. */
export class Reload extends Context.Tag("effcached/Reload")<Reload, {
  /** Re-reads the certificates (with `-Z`) and the authentication file (with `-Y`); logs the outcome. */
  readonly run: Effect.Effect<void>
}>() {
  /** Listens for SIGHUP (in place of Node's default, which ends the process) until the scope closes. */
  static readonly layer: Layer.Layer<Reload, never, Tls | Authenticator> = Layer.scoped(
    Reload,
    Effect.gen(function*() {
      const tls = yield* Tls
      const auth = yield* Authenticator
      const outcome = (what: string, reload: Effect.Effect<void, { readonly message: string }>) =>
        reload.pipe(
          Effect.zipRight(Effect.logInfo(`${what} reloaded`)),
          Effect.catchAll((e) => Effect.logError(`${what} not reloaded, the previous ones stay: ${e.message}`))
        )
      const run = Effect.zipRight(
        tls.settings.enabled ? outcome("TLS certificates", tls.refresh) : Effect.void,
        Effect.zipRight(
          auth.enabled ? outcome(`authentication file ${auth.path}`, auth.reload) : Effect.void,
          auth.sasl.enabled ? outcome(`SASL password file ${auth.sasl.path}`, auth.sasl.reload) : Effect.void
        )
      )
      const runFork = Runtime.runFork(yield* Effect.runtime<never>())
      const onHangup = () => void runFork(run)
      yield* Effect.acquireRelease(
        Effect.sync(() => process.on("SIGHUP", onHangup)),
        () => Effect.sync(() => process.off("SIGHUP", onHangup))
      )
      return { run }
    })
  )
}
