// Installs dependencies with `npm ci` when node_modules is missing or older than package-lock.json, so
// `npm start` and `npm test` work on a fresh clone and cost nothing when everything is in place.
// `npm ci` installs exactly the lockfile and never rewrites it: a clone stays clean.
import { spawnSync } from "node:child_process"
import { statSync } from "node:fs"

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

const installed = mtime("node_modules/.package-lock.json")
const locked = mtime("package-lock.json")
if (process.argv.includes("--force") || installed === undefined || (locked !== undefined && locked > installed)) {
  console.error("Installing dependencies (npm ci)...")
  const npm = process.platform === "win32" ? "npm.cmd" : "npm"
  const ci = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { stdio: "inherit" })
  process.exit(ci.status ?? 1)
}
