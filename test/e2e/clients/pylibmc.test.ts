/**
 * pylibmc (Debian's python3-pylibmc, over libmemcached) in text-protocol mode against the built
 * daemon: test/support/clients/pylibmc_check.py covers every command, the multi operations
 * (get_multi, set_multi, add_multi, delete_multi, incr_multi, key_prefix), Python objects and
 * zlib-compressed values by their flags, binary, large and too-large values, expiry, stats, the
 * _noreply behavior and the behaviors frameworks set (tcp_nodelay, ketama, no_block, verify_keys).
 */
import { describePythonCheck } from "../../support/pythonChecks.js"

describePythonCheck({
  client: "pylibmc",
  module: "pylibmc",
  debianPackage: "python3-pylibmc",
  script: "pylibmc_check.py",
  minimumChecks: 137
})
