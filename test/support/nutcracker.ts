/**
 * twemproxy (Debian's `nutcracker`) in front of test servers: a configuration written for the test,
 * checked with `nutcracker -t`, and a proxy process started on free ports and stopped by the test.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { freePort, type RunningServer, startProcess } from "./servers.js"

/** The nutcracker binary (Debian installs it in /usr/sbin), or undefined when it is not installed. */
export const nutcrackerPath = ["/usr/sbin/nutcracker", "/usr/bin/nutcracker"].find((p) => existsSync(p))

/** A backend of a pool: its port on 127.0.0.1 and the name ketama hashes (so placement does not depend on ports). */
export interface Backend {
  readonly port: number
  readonly name: string
}

/** One pool: a listening port in front of the backends, with its failure handling. */
export interface Pool {
  readonly name: string
  readonly port: number
  readonly backends: ReadonlyArray<Backend>
  /** Take a failing backend out of the ring (its keys go to the others) instead of answering errors. */
  readonly autoEjectHosts: boolean
  /** Consecutive failures that eject a backend (with autoEjectHosts). */
  readonly serverFailureLimit: number
  /** Milliseconds an ejected backend stays out before it is tried again. */
  readonly serverRetryTimeoutMs: number
  /** Milliseconds to wait for a backend's reply. */
  readonly timeoutMs: number
}

/** The nutcracker YAML for `pools`: memcache protocol, ketama distribution over fnv1a_64 hashes. */
export const nutcrackerConfig = (pools: ReadonlyArray<Pool>): string =>
  pools
    .map((pool) =>
      [
        `${pool.name}:`,
        `  listen: 127.0.0.1:${pool.port}`,
        `  hash: fnv1a_64`,
        `  distribution: ketama`,
        `  timeout: ${pool.timeoutMs}`,
        `  auto_eject_hosts: ${pool.autoEjectHosts}`,
        `  server_failure_limit: ${pool.serverFailureLimit}`,
        `  server_retry_timeout: ${pool.serverRetryTimeoutMs}`,
        `  servers:`,
        ...pool.backends.map((b) => `   - 127.0.0.1:${b.port}:1 ${b.name}`)
      ].join("\n")
    )
    .join("\n")

/** A running nutcracker (`stderr` includes its log); `stop` also removes its configuration and log. */
export interface RunningProxy extends RunningServer {
  readonly config: string
}

/** Writes the configuration, checks it with `nutcracker -t`, and starts the proxy. */
export const startNutcracker = (pools: ReadonlyArray<Pool>): Promise<RunningProxy> =>
  startNutcrackerConfig(nutcrackerConfig(pools), pools[0]!.port)

/**
 * Writes a configuration given as text (pools listening on 127.0.0.1), checks it with
 * `nutcracker -t`, and starts the proxy; `port` is one pool's listening port, to wait for.
 */
export const startNutcrackerConfig = async (config: string, port: number): Promise<RunningProxy> => {
  if (nutcrackerPath === undefined) throw new Error("nutcracker is not installed")
  const dir = mkdtempSync(path.join(tmpdir(), "effcached-nutcracker-"))
  const configPath = path.join(dir, "nutcracker.yml")
  // The log goes to a file: nutcracker cannot open /dev/stderr when it is a socket, as Node makes it.
  const logPath = path.join(dir, "nutcracker.log")
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "")
  try {
    writeFileSync(configPath, config + "\n")
    const checked = spawnSync(nutcrackerPath, ["-t", "-c", configPath], { encoding: "utf8" })
    if (checked.status !== 0) throw new Error(`nutcracker -t refused the configuration:\n${config}\n${checked.stderr}`)
    const statsPort = await freePort()
    const args = ["-c", configPath, "-s", String(statsPort), "-a", "127.0.0.1", "-o", logPath, "-v", "5"]
    // All the pools listen once the first does: nutcracker binds every listener before serving.
    const proxy = await startProcess(nutcrackerPath, args, port)
    return {
      ...proxy,
      config,
      stderr: () => proxy.stderr() + log(),
      stop: async () => {
        const code = await proxy.stop()
        rmSync(dir, { recursive: true, force: true })
        return code
      }
    }
  } catch (e) {
    const message = `${e instanceof Error ? e.message : String(e)}\n--- nutcracker log ---\n${log()}`
    rmSync(dir, { recursive: true, force: true })
    throw new Error(message, { cause: e })
  }
}
