#!/usr/bin/env node
/**
 * The container's health check: `node dist/healthcheck.js [--pid <pid>]` exits 0 when the effcached
 * daemon answers `version`, 1 otherwise (Docker's HEALTHCHECK convention), printing one line saying
 * why. Without `--pid` it checks the lowest process running effcached (pid 1 in a container, or the
 * child of `docker run --init`'s init). See health/HealthCheck.ts.
 *
 * @module
 */
import { environment, findDaemon, nulSeparated, probe, type Target, targetOf } from "./health/HealthCheck.js"

const main = async (): Promise<number> => {
  const pidFlag = process.argv.indexOf("--pid")
  const pid = pidFlag >= 0 ? Number(process.argv[pidFlag + 1]) : findDaemon()
  if (pid === undefined || !Number.isInteger(pid)) {
    process.stdout.write("unhealthy: no effcached process found\n")
    return 1
  }
  let target: Target
  try {
    target = targetOf(nulSeparated(`/proc/${pid}/cmdline`).slice(2), environment(pid))
  } catch (e) {
    process.stdout.write(`unhealthy: cannot read process ${pid}: ${(e as Error).message}\n`)
    return 1
  }
  if ("error" in target) {
    process.stdout.write(`unhealthy: ${target.error}\n`)
    return 1
  }
  const error = await probe(target.host, target.port)
  process.stdout.write(error === undefined ? `healthy: ${target.host}:${target.port}\n` : `unhealthy: ${error}\n`)
  return error === undefined ? 0 : 1
}

process.exitCode = await main()
