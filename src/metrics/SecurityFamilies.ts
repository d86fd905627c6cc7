/**
 * effcached's TLS and authentication figures as metrics, from the `stats` lines memcached 1.6.18
 * reports for them: handshakes that failed (a client that cannot or will not complete one, or a
 * scanner), TLS sessions made, how old the certificates in use are (an alert on it catches a rotation
 * that `refresh_certs` or SIGHUP never picked up), and `-Y` authentications and their failures
 * (password guessing shows there first). memcached_exporter has no names for these, so they are
 * effcached's own; a family appears only when `stats` has its line (TLS ones only with `-Z`, new
 * sessions only with `ssl_session_cache`).
 *
 * @module
 */
import type { Family } from "./Exposition.js"
import { statFamilies, type StatLines, type StatMetric } from "./MemcachedFamilies.js"

const SECURITY: ReadonlyArray<StatMetric> = [
  [
    "ssl_handshake_errors",
    "effcached_tls_handshake_errors_total",
    "counter",
    "TLS handshakes that failed or did not complete within the idle timeout (-Z)."
  ],
  [
    "ssl_new_sessions",
    "effcached_tls_new_sessions_total",
    "counter",
    "TLS sessions created, resumable through the session cache (-o ssl_session_cache)."
  ],
  [
    "time_since_server_cert_refresh",
    "effcached_tls_certificate_age_seconds",
    "gauge",
    "Seconds since the server's certificate and key were (re)loaded (start, refresh_certs or SIGHUP)."
  ],
  [
    "auth_cmds",
    "effcached_auth_commands_total",
    "counter",
    "ASCII authentication attempts (-Y), successful or not."
  ],
  ["auth_errors", "effcached_auth_errors_total", "counter", "ASCII authentication attempts that failed (-Y)."]
]

/** The TLS and authentication families present in `stats`' lines. */
export const securityFamilies = (general: StatLines): Array<Family> => statFamilies(new Map(general), SECURITY)
