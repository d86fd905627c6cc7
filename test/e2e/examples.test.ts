/**
 * The examples of docs/client.md stay runnable: each examples/*.ts (type-checked by `npm run
 * typecheck`) is transpiled beside the build, where `effcached/client` resolves to the package
 * itself, run against started effcached instances, and must print what its `// >` lines say.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"
import { describeOutcome, runProgram } from "../support/processes.js"
import { startEffcached, useServer } from "../support/servers.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const examples = readdirSync(path.join(root, "examples")).filter((file) => file.endsWith(".ts")).sort()
const out = path.join(root, "dist/examples")

/** The example as JavaScript in dist/examples (inside the package, so its own name resolves). */
const transpile = (file: string): string => {
  const source = readFileSync(path.join(root, "examples", file), "utf8")
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    fileName: file
  })
  mkdirSync(out, { recursive: true })
  const target = path.join(out, file.replace(/\.ts$/, ".js"))
  writeFileSync(target, outputText)
  return target
}

/** What the example says it prints: its `// > ` lines. */
const expectedOutput = (file: string): Array<string> =>
  readFileSync(path.join(root, "examples", file), "utf8").split("\n").filter((line) => line.startsWith("// > "))
    .map((line) => line.slice(5))

describe("examples", () => {
  const servers = [useServer(() => startEffcached()), useServer(() => startEffcached())]

  it.each(examples)("%s runs and prints what it says", async (file) => {
    const expected = expectedOutput(file)
    expect(expected.length, `${file} has no "// > " lines`).toBeGreaterThan(0)
    const list = servers.slice(0, file === "pool.ts" ? 2 : 1).map((s) => `127.0.0.1:${s.port}`).join(",")
    const outcome = await runProgram("env", [`EFFCACHED_SERVERS=${list}`, process.execPath, transpile(file)], {
      timeoutMs: 30_000
    })
    expect(outcome.code, describeOutcome(file, outcome)).toBe(0)
    expect(outcome.stdout.trimEnd().split("\n"), describeOutcome(file, outcome)).toEqual(expected)
  }, 40_000)
})
