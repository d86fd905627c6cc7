// Builds dist/ with tsc when a source is newer than the last build, so `npm start` and `npm run bench`
// start at once when nothing changed (tsc itself needs seconds even with nothing to do).
//
// Then the daemon, dist/main.js, is replaced by a bundle of itself (esbuild: one file, whitespace and
// comments removed, names kept; the optional Layers are still only initialised when used). The rest of dist/
// stays tsc's output, module by module, for the library, the CLI and the tools. Why: V8 keeps the
// source text of every module it loads, and the ~190 modules the daemon loads unbundled (effect's
// with their full doc comments) cost it ~14 MB of heap and ~0.5 s of start-up, reading and linking
// files one by one; bundled, an idle daemon's RSS went from 85 to 62 MB and it listens ~0.5 s sooner
// (docs/benchmarks.md, "What each change bought").
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
  if (tsc.status !== 0) process.exit(tsc.status ?? 1)
  await bundleDaemon()
}

/**
 * Bundles src/main.ts over tsc's dist/main.js, as one file: with code splitting the shared chunks
 * would be evaluated before main's own first import, server/HeapTuning.ts, which must come first.
 */
async function bundleDaemon() {
  const { build } = await import("esbuild")
  await build({
    entryPoints: ["src/main.ts"],
    outfile: "dist/main.js",
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Smaller source text without renaming anything: stack traces and Effect's spans keep their names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    sourcemap: true,
    // Dependencies are bundled too (effect, @effect/platform-node): the daemon loads no module from
    // node_modules at start-up.
    packages: "bundle",
    // CommonJS dependencies bundled into an ES module (ws, under the metrics endpoint's HTTP server)
    // still `require` Node's built-ins: give them a real `require`.
    banner: {
      js:
        "import { createRequire as __effcachedRequire } from \"node:module\"\nconst require = __effcachedRequire(import.meta.url)"
    },
    logLevel: "warning"
  })
}
