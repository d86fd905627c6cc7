/**
 * TLS as a service (`-Z`): the certificates loaded at startup, a `tls.Server` for each TLS listener,
 * and `refresh` (the `refresh_certs` command, SIGHUP) which re-reads the files and gives every such
 * server a new secure context with `setSecureContext`: connections already open keep theirs and stay
 * open, new handshakes use the new certificates. When a refresh fails, the certificates in use stay.
 *
 * Client certificates follow `ssl_verify_mode`: 0 not requested; 1 requested, and a certificate the
 * CA does not vouch for fails the handshake, while none is fine; 2 and 3 required. With
 * `ssl_session_cache`, sessions are kept (by id, and in tickets) so clients can resume them, and each
 * new one is counted in `ssl_new_sessions`.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as tls from "node:tls"
import { ServerConfig } from "../config/ServerConfig.js"
import type { TlsSettings } from "../config/TlsSettings.js"
import { ServerStats } from "../server/ServerStats.js"
import { contextOptions, type Credentials, loadCredentials, TlsConfigError } from "./TlsContext.js"

/** Sessions kept for resumption at most (OpenSSL's default server cache size). */
const SESSION_CACHE_SIZE = 20 * 1024

/** What the TLS service offers. */
export interface TlsShape {
  /** The settings (`enabled` false: no listener speaks TLS, and `refresh` fails as memcached's does). */
  readonly settings: TlsSettings
  /** A server for one TLS listener, with the current certificates; `refresh` reaches it. */
  readonly createServer: (options: { readonly handshakeTimeoutMs: number }) => tls.Server
  /**
   * Whether a connection whose handshake completed may stay: with `ssl_verify_mode=1`, a client
   * certificate that was sent must verify (with 2 and 3 node:tls has refused it already).
   */
  readonly accepts: (socket: tls.TLSSocket) => boolean
  /** Re-reads the certificate chain, key and CA; every TLS listener uses them for new handshakes. */
  readonly refresh: Effect.Effect<void, TlsConfigError>
  /** Unix milliseconds when the certificates in use were loaded. */
  readonly loadedAt: () => number
}

/** memcached's reply to `refresh_certs` when TLS is off. */
export const TLS_NOT_ENABLED = "Error TLS not enabled"

/** TLS, as a service. */
export class Tls extends Context.Tag("effcached/Tls")<Tls, TlsShape>() {
  /** Loads the certificates at startup when `-Z` is given (failing with the line to print if they cannot be used). */
  static readonly layer: Layer.Layer<Tls, TlsConfigError, ServerConfig | ServerStats> = Layer.effect(
    Tls,
    Effect.gen(function*() {
      const settings = (yield* ServerConfig).tls
      const counters = yield* ServerStats
      const clock = yield* Effect.clock
      if (!settings.enabled) {
        return {
          settings,
          createServer: () => {
            throw new Error("TLS is not enabled")
          },
          accepts: () => true,
          refresh: Effect.fail(new TlsConfigError({ message: TLS_NOT_ENABLED, exitCode: 64 })),
          loadedAt: () => 0
        }
      }
      let credentials: Credentials = yield* loadCredentials(settings)
      let loadedAt = clock.unsafeCurrentTimeMillis()
      const servers = new Set<tls.Server>()
      const sessions = new Map<string, Buffer>()
      const requestCert = settings.verifyMode > 0

      const createServer = (options: { readonly handshakeTimeoutMs: number }) => {
        const server = tls.createServer({
          ...contextOptions(settings, credentials),
          requestCert,
          rejectUnauthorized: settings.verifyMode >= 2,
          handshakeTimeout: options.handshakeTimeoutMs,
          noDelay: true
        })
        if (settings.sessionCache) {
          server.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
            counters.sslNewSessions++
            if (sessions.size >= SESSION_CACHE_SIZE) sessions.delete(sessions.keys().next().value!)
            sessions.set(id.toString("hex"), data)
            done()
          })
          server.on("resumeSession", (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => {
            done(null, sessions.get(id.toString("hex")) ?? null)
          })
        }
        servers.add(server)
        server.once("close", () => servers.delete(server))
        return server
      }

      const refresh = Effect.gen(function*() {
        const next = yield* loadCredentials(settings)
        const options = contextOptions(settings, next)
        for (const server of servers) server.setSecureContext(options)
        credentials = next
        loadedAt = yield* Clock.currentTimeMillis
      })

      return {
        settings,
        createServer,
        accepts: (socket) =>
          settings.verifyMode !== 1 || socket.authorized || Object.keys(socket.getPeerCertificate()).length === 0,
        refresh,
        loadedAt: () => loadedAt
      }
    })
  )
}
