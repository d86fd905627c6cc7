/**
 * Running the client programs the tests drive (Python check scripts, libmemcached's tools) to
 * completion, and describing their outcome in a failure message.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import type { RunningServer } from "./servers.js"

/** How a program ended and what it printed. */
export interface Outcome {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a program to completion (killed after `timeoutMs`), collecting stdout and stderr as text;
 * `env` replaces the environment it inherits.
 */
export const runProgram = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly timeoutMs: number; readonly cwd?: string; readonly env?: NodeJS.ProcessEnv }
): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {})
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs} ms]`
      child.kill("SIGKILL")
    }, options.timeoutMs)
    child.once("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** A failure message: how the program ended, its output, and the server's log when there is one. */
export const describeOutcome = (what: string, outcome: Outcome, server?: RunningServer): string =>
  [
    `${what} exited with ${outcome.code ?? outcome.signal}`,
    `--- stdout ---\n${outcome.stdout}`,
    `--- stderr ---\n${outcome.stderr}`,
    ...(server ? [`--- effcached stderr ---\n${server.stderr()}`] : [])
  ].join("\n")

/** Debian's interpreter: the python3-* client packages are installed for it, not for another python3 on PATH. */
export const systemPython = "/usr/bin/python3"

/** Whether Debian's python can import `module`. */
export const pythonHas = (module: string): boolean =>
  existsSync(systemPython) && spawnSync(systemPython, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0
