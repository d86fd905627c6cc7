/**
 * Authentication as a service: ASCII authentication (`-Y`) and the binary protocol's SASL PLAIN
 * (`-S`, users from `--sasl-pwdb`), each with the credentials of its `user:password` file, re-read on
 * {@link AuthenticatorShape.reload} (SIGHUP). Connections ask it for a handshake reader; the reader
 * checks against the credentials current when the client sends them, so a reload applies to every
 * connection not yet authenticated, and connections already authenticated stay so (as in memcached).
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "../config/ServerConfig.js"
import { AsciiAuthReader } from "./AsciiAuth.js"
import { type AuthFileError, load } from "./AuthFile.js"

/** What the authentication service offers. */
export interface AuthenticatorShape {
  /** Whether connections must authenticate (`-Y` given). */
  readonly enabled: boolean
  /** The file (`-Y`), or null. */
  readonly path: string | null
  /** A handshake reader for a new connection. */
  readonly reader: () => AsciiAuthReader
  /** Re-reads the file; on an error the credentials in use stay (as memcached keeps them). */
  readonly reload: Effect.Effect<void, AuthFileError>
  /** SASL (`-S`): whether it is on, its file, and the check of a user and password (constant time). */
  readonly sasl: {
    readonly enabled: boolean
    readonly path: string | null
    readonly check: (user: Uint8Array, password: Uint8Array) => boolean
    readonly reload: Effect.Effect<void, AuthFileError>
  }
}

const noSasl: AuthenticatorShape["sasl"] = { enabled: false, path: null, check: () => false, reload: Effect.void }

/** The SASL side: the pwdb file when `-S` is on. */
const saslOf = (enabled: boolean, path: string | null): Effect.Effect<AuthenticatorShape["sasl"], AuthFileError> =>
  !enabled || path === null ? Effect.succeed(noSasl) : Effect.map(load(path), (first) => {
    let table = first
    return {
      enabled: true,
      path,
      check: (user, password) => table.check(user, password),
      reload: Effect.map(load(path), (next) => {
        table = next
      })
    }
  })

/** memcached's ASCII authentication, as a service. */
export class Authenticator extends Context.Tag("effcached/Authenticator")<Authenticator, AuthenticatorShape>() {
  /** Reads `authFile` from the settings at startup (failing if it cannot be used); off when there is none. */
  static readonly layer: Layer.Layer<Authenticator, AuthFileError, ServerConfig> = Layer.effect(
    Authenticator,
    Effect.gen(function*() {
      const settings = yield* ServerConfig
      const path = settings.authFile
      const sasl = yield* saslOf(settings.sasl, settings.saslPwdb)
      if (path === null) {
        return {
          enabled: false,
          path,
          reader: () => new AsciiAuthReader(() => false),
          reload: Effect.void,
          sasl
        }
      }
      let table = yield* load(path)
      const check = (user: Buffer, password: Buffer) => table.check(user, password)
      return {
        enabled: true,
        path,
        reader: () => new AsciiAuthReader(check),
        reload: Effect.map(load(path), (next) => {
          table = next
        }),
        sasl
      }
    })
  )
}
