/**
 * Version strings.
 *
 * @module
 */

/** effcached's own version. */
export const EFFCACHED_VERSION = "0.1.0"

/**
 * The version the `version` command and `stats` report: the memcached release whose protocol
 * effcached implements. Clients parse it to pick features, so it is memcached's form, not ours.
 */
export const PROTOCOL_VERSION = "1.6.18"
