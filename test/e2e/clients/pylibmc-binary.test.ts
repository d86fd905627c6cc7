/**
 * pylibmc in binary-protocol mode (binary=True) against the built daemon and, the same script, against
 * memcached 1.6.18: test/support/clients/pylibmc_binary_check.py covers the storage commands with the
 * binary protocol's statuses, cas, counters, get_multi (getkq then noop), values of every byte, the
 * item limit and stats; with username and password it authenticates with SASL PLAIN and checks that a
 * wrong password is refused.
 */
import { afterAll, describe } from "vitest"
import { binaryTargets } from "../../support/binaryServers.js"
import { describePythonCheck } from "../../support/pythonChecks.js"
import { hasSaslpasswd2, makeSaslUsers } from "../../support/sasl.js"
import { requireTool } from "../../support/servers.js"

const check = {
  client: "pylibmc",
  module: "pylibmc",
  debianPackage: "python3-pylibmc",
  script: "pylibmc_binary_check.py"
} as const

describe("pylibmc binary=True", () => {
  const sasl = requireTool("saslpasswd2 (sasl2-bin)", hasSaslpasswd2)
  const users = makeSaslUsers({ carol: "c0rrect horse" })
  afterAll(() => users.remove())
  for (const target of binaryTargets) {
    describePythonCheck({ ...check, title: `${target.name}`, start: () => target.start(), minimumChecks: 74 })
    if (sasl) {
      describePythonCheck({
        ...check,
        title: `${target.name} with SASL`,
        start: () => target.start(users),
        env: { MEMCACHED_USERNAME: "carol", MEMCACHED_PASSWORD: "c0rrect horse" },
        minimumChecks: 76
      })
    }
  }
})
