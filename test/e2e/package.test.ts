/**
 * The npm package as users get it: `npm pack`, then `npm install <tarball>` in an empty folder (its
 * dependencies come from the npm registry), then a script there that imports `effcached/client` and
 * `effcached` by name, type-checked against the package's declarations and run against a started
 * effcached; and the `effcached-cli` bin the package installs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { describeOutcome, runProgram } from "../support/processes.js"
import { isCI, startEffcached, useServer } from "../support/servers.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const npm = process.platform === "win32" ? "npm.cmd" : "npm"

const script = `
import { Effect, Option } from "effect"
import { Effcached, Listener } from "effcached"
import { MemcachedClient, type Hit } from "effcached/client"

const text = (hit: Option.Option<Hit>): string =>
  Option.match(hit, { onNone: () => "miss", onSome: (h) => Buffer.from(h.value).toString() })

const useClient = (port: number) =>
  Effect.gen(function*() {
    const client = yield* MemcachedClient
    yield* client.set("from-the-package", "it works", { ttl: "1 minute" })
    return text(yield* client.get("from-the-package"))
  }).pipe(Effect.provide(MemcachedClient.layer({ servers: [\`127.0.0.1:\${port}\`] })))

const program = Effect.gen(function*() {
  const daemon = yield* useClient(Number(process.env.PORT))
  // The server's Layers, embedded in this process.
  const embedded = yield* Effect.flatMap(Listener, ({ address }) => useClient(address.port)).pipe(
    Effect.provide(Effcached.layer({ port: 0 }))
  )
  console.log(\`daemon: \${daemon}; embedded: \${embedded}\`)
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(0))
`

describe("the npm package", () => {
  const server = useServer(() => startEffcached())
  const dir = mkdtempSync(path.join(tmpdir(), "effcached-package-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(
    "installs from its tarball in an empty folder; its client, server Layers, types and bin work there",
    async (ctx) => {
      const packed = await runProgram(npm, ["pack", "--json", "--pack-destination", dir], {
        cwd: root,
        timeoutMs: 60_000
      })
      expect(packed.code, describeOutcome("npm pack", packed)).toBe(0)
      const tarball = path.join(dir, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename)
      const app = path.join(dir, "app")
      await runProgram("mkdir", ["-p", app], { timeoutMs: 5000 })
      writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
      const installed = await runProgram(
        npm,
        ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball],
        { cwd: app, timeoutMs: 120_000 }
      )
      const offline = /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|network/i.test(installed.stderr)
      if (installed.code !== 0 && offline && !isCI) {
        console.warn(`skipping: npm install needs the npm registry:\n${installed.stderr}`)
        return ctx.skip()
      }
      expect(installed.code, describeOutcome("npm install <tarball>", installed)).toBe(0)
      writeFileSync(path.join(app, "main.ts"), script)
      writeFileSync(
        path.join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            outDir: "out",
            // This project's TypeScript and Node types, so the install fetches only the package's own dependencies.
            typeRoots: [path.join(root, "node_modules/@types")],
            types: ["node"]
          },
          include: ["main.ts"]
        })
      )
      const compiled = await runProgram(process.execPath, [
        path.join(root, "node_modules/typescript/bin/tsc"),
        "-p",
        "."
      ], {
        cwd: app,
        timeoutMs: 60_000
      })
      expect(compiled.code, describeOutcome("tsc against the package's types", compiled)).toBe(0)
      const run = await runProgram("env", [`PORT=${server.port}`, process.execPath, "out/main.js"], {
        cwd: app,
        timeoutMs: 30_000
      })
      // (The embedded server logs its startup line through Effect's default logger, on stdout too.)
      expect(run.stdout.trimEnd().split("\n").pop(), describeOutcome("the script", run)).toBe(
        "daemon: it works; embedded: it works"
      )
      expect(run.code).toBe(0)
      const cli = await runProgram(
        path.join(app, "node_modules/.bin/effcached-cli"),
        ["--servers", `127.0.0.1:${server.port}`, "get", "from-the-package"],
        { cwd: app, timeoutMs: 30_000 }
      )
      expect(cli.stdout, describeOutcome("effcached-cli from the package", cli)).toBe("it works\n")
    },
    240_000
  )
})
