import { describe, expect, it } from "vitest"
import { securityFamilies } from "../../src/metrics/SecurityFamilies.js"

describe("securityFamilies", () => {
  it("exports the TLS and authentication lines of stats, typed, with their values", () => {
    const families = securityFamilies([
      ["uptime", "12"],
      ["auth_cmds", "5"],
      ["auth_errors", "2"],
      ["ssl_new_sessions", "7"],
      ["ssl_handshake_errors", "3"],
      ["time_since_server_cert_refresh", "40"]
    ])
    expect(families.map((f) => [f.name, f.type, f.samples])).toEqual([
      ["effcached_tls_handshake_errors_total", "counter", [{ value: 3 }]],
      ["effcached_tls_new_sessions_total", "counter", [{ value: 7 }]],
      ["effcached_tls_certificate_age_seconds", "gauge", [{ value: 40 }]],
      ["effcached_auth_commands_total", "counter", [{ value: 5 }]],
      ["effcached_auth_errors_total", "counter", [{ value: 2 }]]
    ])
  })

  it("leaves out what stats does not report (no TLS lines without -Z)", () => {
    const families = securityFamilies([["auth_cmds", "0"], ["auth_errors", "0"]])
    expect(families.map((f) => f.name)).toEqual(["effcached_auth_commands_total", "effcached_auth_errors_total"])
  })
})
