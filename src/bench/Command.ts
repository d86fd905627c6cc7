/**
 * Runs an external program to completion (a load generator, a compiler) and collects its output; if
 * the effect is interrupted (Ctrl-C), the program is killed rather than left running.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { spawn, spawnSync } from "node:child_process"
import { statSync } from "node:fs"

/** How a program ended and what it wrote. */
export interface CommandOutput {
  /** Exit status, or null when a signal ended it. */
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `command args` in `cwd`; fails only when it cannot be started at all. */
export const run = (command: string, args: ReadonlyArray<string>, cwd?: string): Effect.Effect<CommandOutput, Error> =>
  Effect.async((resume) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("error", (error) => resume(Effect.fail(error)))
    child.once("close", (status) => resume(Effect.succeed({ status, stdout, stderr })))
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** The full path of a command found on PATH, or undefined. */
export const which = (command: string): string | undefined => {
  const found = spawnSync("sh", ["-c", "command -v \"$0\"", command], { encoding: "utf8" })
  const where = found.stdout?.trim() ?? ""
  return found.status === 0 && where.startsWith("/") ? where : undefined
}

/** A file's modification time in milliseconds, or -1 when it does not exist (so any build is newer). */
export const modifiedMs = (file: string): number => {
  try {
    return statSync(file).mtimeMs
  } catch {
    return -1
  }
}
