/**
 * Temporary files for tests: each call makes a folder of its own under the system's temporary folder.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A path named `name` in a fresh temporary folder whose name starts with `prefix`. */
export const tempFile = (name: string, prefix = "effcached-"): string =>
  path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), name)
