// Installs dependencies when node_modules is missing or older than package-lock.json, so `npm start`
// and `npm test` work on a fresh clone and cost nothing when everything is in place.
//
// It runs `npm ci`. npm 11 behind a registry other than registry.npmjs.org writes lockfiles without
// the other platforms' optional packages and then its own `npm ci` refuses them as out of sync
// (npm/cli#9342, #8805); only on that error does it fall back to `npm install`, which installs the
// same locked versions and adds the missing platform entries.
import { spawnSync } from "node:child_process"
import { statSync } from "node:fs"

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs
  } catch {
    return undefined
  }
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm"
const run = (args) => spawnSync(npm, args, { stdio: ["inherit", "inherit", "pipe"], encoding: "utf8" })

const installed = mtime("node_modules/.package-lock.json")
const locked = mtime("package-lock.json")
if (process.argv.includes("--force") || installed === undefined || (locked !== undefined && locked > installed)) {
  console.error("Installing dependencies (npm ci)...")
  const ci = run(["ci", "--no-audit", "--no-fund"])
  process.stderr.write(ci.stderr ?? "")
  if (ci.status !== 0 && /can only install packages when your package\.json and package-lock\.json/.test(ci.stderr ?? "")) {
    console.error("npm ci refused the lockfile's optional platform entries (npm/cli#9342); using npm install")
    const install = run(["install", "--no-audit", "--no-fund"])
    process.stderr.write(install.stderr ?? "")
    process.exit(install.status ?? 1)
  }
  process.exit(ci.status ?? 1)
}
