/**
 * The source tree's import rules, checked on the files themselves: protocol/ and store/ meet only in
 * domain/, nothing in src/ imports the effect barrel, and no module reaches itself through value
 * imports (type-only imports are erased and may cross freely).
 */
import { describe, expect, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src")

const sources = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(file) : file.endsWith(".ts") ? [file] : []
  })

interface Import {
  readonly specifier: string
  /** Whether the import survives compilation (not `import type`, not only `type` names). */
  readonly value: boolean
}

const IMPORT = /^(?:import|export)\s+(type\s+)?([^"';]*?)\s*from\s+"([^"]+)"/gm

const importsOf = (file: string): Array<Import> => {
  const text = fs.readFileSync(file, "utf8")
  const out: Array<Import> = []
  for (const match of text.matchAll(IMPORT)) {
    const [, typeOnly, clause, specifier] = match
    const names = /\{([^}]*)\}/.exec(clause!)?.[1]
    const onlyTypes = names !== undefined && !/^[^{]*\w[^{]*\{/.test(clause!) &&
      names.split(",").map((n) => n.trim()).filter((n) => n.length > 0).every((n) => n.startsWith("type "))
    out.push({ specifier: specifier!, value: typeOnly === undefined && !onlyTypes })
  }
  return out
}

const resolve = (from: string, specifier: string): string | undefined =>
  specifier.startsWith(".") ? path.resolve(path.dirname(from), specifier.replace(/\.js$/, ".ts")) : undefined

const files = sources(src)
const graph = new Map(files.map((file) => [file, importsOf(file)]))
const rel = (file: string) => path.relative(src, file)

describe("source imports", () => {
  it("reads every module's imports (the checks below see the whole tree)", () => {
    expect(files.length).toBeGreaterThan(50)
    const protocol = graph.get(path.join(src, "protocol/TextCommand.ts"))!
    expect(protocol.some((i) => i.specifier === "../domain/Request.js")).toBe(true)
  })

  it("protocol/ and store/ never import each other", () => {
    const crossings: Array<string> = []
    for (const [file, imports] of graph) {
      const from = rel(file).split(path.sep)[0]
      for (const i of imports) {
        const target = resolve(file, i.specifier)
        if (target === undefined) continue
        const to = rel(target).split(path.sep)[0]
        if ((from === "protocol" && to === "store") || (from === "store" && to === "protocol")) {
          crossings.push(`${rel(file)} -> ${rel(target)}`)
        }
      }
    }
    expect(crossings).toEqual([])
  })

  it("client/ and cli/ (the package's client side) never import store/ or server/", () => {
    const crossings: Array<string> = []
    for (const [file, imports] of graph) {
      const from = rel(file).split(path.sep)[0]
      if (from !== "client" && from !== "cli") continue
      for (const i of imports) {
        const target = resolve(file, i.specifier)
        const to = target === undefined ? undefined : rel(target).split(path.sep)[0]
        if (to === "store" || to === "server") crossings.push(`${rel(file)} -> ${rel(target!)}`)
      }
    }
    expect(crossings).toEqual([])
  })

  it("keeps every module under 400 lines", () => {
    const long = files.map((f) => [rel(f), fs.readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) =>
      n > 400
    )
    expect(long).toEqual([])
  })

  it("no module imports the effect barrel", () => {
    const barrel = [...graph].filter(([, imports]) => imports.some((i) => i.specifier === "effect")).map(([f]) =>
      rel(f)
    )
    expect(barrel).toEqual([])
  })

  it("has no value-import cycle", () => {
    const cycles: Array<string> = []
    const state = new Map<string, "visiting" | "done">()
    const stack: Array<string> = []
    const visit = (file: string): void => {
      state.set(file, "visiting")
      stack.push(file)
      for (const i of graph.get(file) ?? []) {
        const target = i.value ? resolve(file, i.specifier) : undefined
        if (target === undefined || !graph.has(target)) continue
        if (state.get(target) === "visiting") {
          cycles.push([...stack.slice(stack.indexOf(target)), target].map(rel).join(" -> "))
        } else if (state.get(target) === undefined) {
          visit(target)
        }
      }
      stack.pop()
      state.set(file, "done")
    }
    for (const file of files) if (!state.has(file)) visit(file)
    expect(cycles).toEqual([])
  })
})
