/**
 * The two servers the binary-protocol client suites run against, each with or without SASL: the built
 * effcached (`-S --sasl-pwdb`), and memcached 1.6.18 (`-S` through Cyrus SASL), which proves that what
 * the suites expect is what memcached does.
 */
import type { SaslUsers } from "./sasl.js"
import { memcachedPath, type RunningServer, startEffcached, startMemcached } from "./servers.js"

/** A server to start, with SASL required when users are given. */
export interface BinaryTarget {
  readonly name: string
  readonly start: (users?: SaslUsers) => Promise<RunningServer>
}

/** effcached, with `-S --sasl-pwdb <file>` for SASL. */
export const effcachedTarget: BinaryTarget = {
  name: "effcached",
  start: (users) => startEffcached(users === undefined ? [] : ["-S", "--sasl-pwdb", users.pwdb])
}

/** memcached, with `-S` and SASL_CONF_PATH for SASL. */
export const memcachedTarget: BinaryTarget = {
  name: "memcached 1.6.18",
  start: (users) =>
    users === undefined
      ? startMemcached()
      : startMemcached(["-S"], { SASL_CONF_PATH: users.saslConfPath })
}

/** effcached always; memcached when it is installed (the client suites' own check). */
export const binaryTargets: ReadonlyArray<BinaryTarget> = memcachedPath === undefined
  ? [effcachedTarget]
  : [effcachedTarget, memcachedTarget]
