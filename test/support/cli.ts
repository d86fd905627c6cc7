/**
 * Running the command-line client (dist/cli/main.js) in tests: once with arguments and optional
 * standard input, or interactively through a pseudo-terminal driven by pty_session.py.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Outcome } from "./processes.js"
import { systemPython } from "./processes.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** The built command-line client. */
export const cliPath = path.join(root, "dist/cli/main.js")

/** Runs `effcached-cli args...` with `input` on stdin (none: stdin closed, not a terminal). */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly input?: string | Buffer; readonly env?: Record<string, string>; readonly timeoutMs?: number } = {}
): Promise<Outcome & { readonly stdoutBytes: Buffer }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env }
    })
    const out: Array<Buffer> = []
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => out.push(d))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.once("error", reject)
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      const stdoutBytes = Buffer.concat(out)
      resolve({ code, signal, stdout: stdoutBytes.toString("utf8"), stderr, stdoutBytes })
    })
    child.stdin.end(options.input ?? "")
  })

/** One step of an interactive session: keystrokes to send, and a pattern the terminal must then show. */
export interface Step {
  readonly send?: string
  readonly expect?: string
}

/** What an interactive session showed. */
export interface PtyResult {
  readonly ok: boolean
  readonly failed_step: number | null
  readonly steps: ReadonlyArray<string>
  readonly exit: number | null
  readonly transcript: string
}

/** Runs the client in a pseudo-terminal through `steps`. */
export const ptySession = (
  args: ReadonlyArray<string>,
  steps: ReadonlyArray<Step>,
  env: Record<string, string> = {}
): Promise<PtyResult> =>
  new Promise((resolve, reject) => {
    const driver = spawn(systemPython, [path.join(root, "test/support/clients/pty_session.py")], {
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    driver.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    driver.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    driver.once("error", reject)
    driver.once("close", (code) => {
      if (code !== 0) return reject(new Error(`pty_session.py exited with ${code}: ${stderr}`))
      resolve(JSON.parse(stdout) as PtyResult)
    })
    // Steps wait up to 20 s: on a loaded machine the client alone can take seconds to start.
    driver.stdin.end(JSON.stringify({ argv: [process.execPath, cliPath, ...args], env, timeout: 20, steps }))
  })
