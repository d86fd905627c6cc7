/**
 * What a server process holds, read from Linux's /proc: open file descriptors and resident memory.
 * Tests that use these run on Linux only (`it.runIf(hasProcfs)`).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"

/** Whether /proc describes processes here. */
export const hasProcfs = existsSync("/proc/self/fd")

/** How many file descriptors the process has open (sockets, the listener, pipes, files). */
export const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length

/** The process's resident set size, in bytes. */
export const residentBytes = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024
