// Builds dist/ with tsc when a source is newer than the last build, so `npm start` and `npm run bench`
// start at once when nothing changed (tsc itself needs seconds even with nothing to do).
import { spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const STAMP = "dist/.tsbuildinfo"

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

/** The newest modification time under `dir`, folders included (a deleted file changes its folder's). */
const newest = (dir) => {
  let latest = mtime(dir) ?? 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path) ?? 0)
  }
  return latest
}

const built = mtime(STAMP)
const sources = Math.max(
  newest("src"),
  mtime("tsconfig.json") ?? 0,
  mtime("tsconfig.build.json") ?? 0,
  mtime("package-lock.json") ?? 0
)
if (process.argv.includes("--force") || built === undefined || sources > built) {
  const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit"
  })
  process.exit(tsc.status ?? 1)
}
