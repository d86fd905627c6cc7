/**
 * pymemcache (Debian's python3-pymemcache), the common pure-Python client, against the built daemon:
 * test/support/clients/pymemcache_check.py covers every command with replies and with noreply,
 * binary values, large and too-large values, expiry, stats, and the keys pymemcache refuses itself
 * (unicode unless allow_unicode_keys, whitespace, NUL, over 250 bytes).
 */
import { describePythonCheck } from "../../support/pythonChecks.js"

describePythonCheck({
  client: "pymemcache",
  module: "pymemcache",
  debianPackage: "python3-pymemcache",
  script: "pymemcache_check.py",
  minimumChecks: 184
})
