/**
 * The daemon's flags: each one's short and long names, its `EFFCACHED_*` environment variable, its
 * help line, and how it sets the settings. `Cli` walks this table to parse a command line and to print
 * `--help`; a new flag is one entry here.
 *
 * @module
 */
import { MEMCACHED_TUNING_OPTIONS } from "./MemcachedTuning.js"
import { protocols } from "./Protocol.js"
import { type AppendFsync, type LogFormat, type Settings } from "./ServerConfig.js"
import { applyTlsOption } from "./TlsSettings.js"

/** A flag's value is not acceptable: the message says what was expected. */
export class Invalid {
  constructor(readonly message: string) {}
}

const integer = (raw: string, min: number, max: number, what: string): number => {
  if (!/^\d+$/.test(raw)) throw new Invalid(`expected ${what}`)
  const n = Number(raw)
  if (n < min || n > max) throw new Invalid(`expected ${what}`)
  return n
}

/** The highest `-v` level: 3 (`-vvv`) logs every command. */
export const MAX_VERBOSITY = 3

/** Largest idle timeout, in seconds (a year). */
const MAX_IDLE_TIMEOUT = 365 * 24 * 3600

const LOG_FORMATS: ReadonlyArray<LogFormat> = ["logfmt", "pretty", "json"]
const FSYNC_MODES: ReadonlyArray<AppendFsync> = ["always", "everysec", "no"]

/** memcached's `-o a,b=c,...`: idle_timeout is honoured, memcached-internal tuning ignored, the rest refused. */
const applyExtended = (raw: string, s: Mutable, warnings: Array<string>): void => {
  for (const option of raw.split(",")) {
    const eq = option.indexOf("=")
    const key = eq < 0 ? option : option.slice(0, eq)
    const value = eq < 0 ? undefined : option.slice(eq + 1)
    const tls = applyTlsOption(key, value, s.tls)
    if (tls._tag === "Invalid") throw new Invalid(tls.message)
    if (tls._tag === "Applied") {
      s.tls = tls.tls
    } else if (key === "idle_timeout") {
      if (value === undefined) throw new Invalid("idle_timeout needs a value (idle_timeout=<seconds>)")
      s.idleTimeout = integer(value, 0, MAX_IDLE_TIMEOUT, "idle_timeout=<seconds>")
    } else if (key === "maxconns_fast") {
      // Already effcached's behaviour: a connection over the limit is refused at once.
    } else if (MEMCACHED_TUNING_OPTIONS.has(key)) {
      warnings.push(`-o ${option} ignored: it tunes memcached's own memory machinery`)
    } else {
      throw new Invalid(`${key} is not supported by effcached (see docs/compatibility.md)`)
    }
  }
}

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 }

/** A size in bytes with an optional k/m/g suffix, as memcached's `-I` takes it. */
export const parseSize = (raw: string): number | undefined => {
  const match = /^(\d+)([kKmMgG]?)$/.exec(raw)
  if (match === null) return undefined
  return Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!
}

/** One flag: its names, environment variable, help, and what it does to the settings. */
export interface Option {
  readonly short?: string
  readonly long: string
  readonly env?: string
  readonly arg?: string
  readonly help: string
  /** `again`: this flag was already given on the command line (`-l` then adds to the list). */
  readonly apply: (value: string, into: Mutable, warnings: Array<string>, again: boolean) => void
}

/** Settings being built up by the flags. */
export type Mutable = { -readonly [K in keyof Settings]: Settings[K] }

/** Every flag the daemon takes, in the order `--help` lists them. */
export const options: ReadonlyArray<Option> = [
  {
    short: "p",
    long: "port",
    env: "EFFCACHED_PORT",
    arg: "<num>",
    help: "TCP port to listen on (default: 11211; 0 picks a free port)",
    apply: (v, s) => (s.port = integer(v, 0, 65535, "a port number from 0 to 65535"))
  },
  {
    short: "l",
    long: "listen",
    env: "EFFCACHED_LISTEN",
    arg: "<addr>",
    help: "interfaces to listen on, [notls:]host[:port] separated by commas, or -l again " +
      "(default: 127.0.0.1; memcached's default is all interfaces)",
    apply: (v, s, _, again) => {
      if (v.length === 0 || /\s/.test(v)) throw new Invalid("expected an address such as 127.0.0.1 or 0.0.0.0")
      // As memcached: a repeated -l adds its addresses, unless the list has them already.
      if (!again) s.host = v
      else if (!s.host.split(",").includes(v)) s.host = `${s.host},${v}`
    }
  },
  {
    short: "m",
    long: "memory-limit",
    env: "EFFCACHED_MEMORY_LIMIT",
    arg: "<MB>",
    help: "item memory in megabytes (default: 64)",
    apply: (v, s) => (s.memoryLimit = integer(v, 1, 1024 * 1024, "a number of megabytes, at least 1") * 1024 * 1024)
  },
  {
    short: "c",
    long: "conn-limit",
    env: "EFFCACHED_CONN_LIMIT",
    arg: "<num>",
    help: "max simultaneous connections (default: 1024)",
    apply: (v, s) => (s.maxConnections = integer(v, 1, 1_000_000, "a number of connections, at least 1"))
  },
  {
    short: "I",
    long: "max-item-size",
    env: "EFFCACHED_MAX_ITEM_SIZE",
    arg: "<size>",
    help: "largest item, with k/m suffix (default: 1m, min: 1k, max: 1024m)",
    apply: (v, s) => {
      const size = parseSize(v)
      if (size === undefined) throw new Invalid("expected a size such as 1m, 512k or 2097152")
      if (size < 1024) throw new Invalid("item size must be at least 1k")
      if (size > 1024 * 1024 * 1024) throw new Invalid("item size cannot be more than 1024m")
      s.maxItemSize = size
    }
  },
  {
    short: "M",
    long: "disable-evictions",
    help: "when memory is full, refuse stores (SERVER_ERROR out of memory) instead of evicting",
    apply: (_, s) => (s.evictions = false)
  },
  {
    long: "partitions",
    env: "EFFCACHED_PARTITIONS",
    arg: "<num>",
    help: "store partitions, each an actor owning a slice of the keys (default: 4)",
    apply: (v, s) => (s.partitions = integer(v, 1, 1024, "a number of partitions from 1 to 1024"))
  },
  {
    long: "idle-timeout",
    env: "EFFCACHED_IDLE_TIMEOUT",
    arg: "<seconds>",
    help: "close connections idle (no command) for longer than this; 0 never (default: 0)",
    apply: (v, s) => (s.idleTimeout = integer(v, 0, MAX_IDLE_TIMEOUT, "a number of seconds"))
  },
  {
    short: "A",
    long: "enable-shutdown",
    help: "let clients stop the server with the shutdown command",
    apply: (_, s) => (s.enableShutdown = true)
  },
  {
    long: "shutdown-grace",
    env: "EFFCACHED_SHUTDOWN_GRACE",
    arg: "<seconds>",
    help: "on SIGTERM/SIGINT/shutdown, time for connections to finish and flush (default: 5)",
    apply: (v, s) => (s.shutdownGraceMs = integer(v, 0, 3600, "a number of seconds from 0 to 3600") * 1000)
  },
  {
    short: "Z",
    long: "enable-ssl",
    help: "TLS on every listener but notls: ones; see -o ssl_chain_cert, ssl_key, ... and docs/security.md",
    apply: (_, s) => (s.tls = { ...s.tls, enabled: true })
  },
  {
    short: "Y",
    long: "auth-file",
    env: "EFFCACHED_AUTH_FILE",
    arg: "<file>",
    help: "ASCII authentication: clients first send `set <any> 0 0 <n>` with `user password` from this " +
      "file of user:password lines",
    apply: (v, s) => {
      if (v.length === 0) throw new Invalid("expected a file path")
      s.authFile = v
    }
  },
  {
    short: "B",
    long: "protocol",
    env: "EFFCACHED_PROTOCOL",
    arg: "<auto|ascii|binary>",
    help: "protocols accepted: auto (the first byte decides), ascii or binary (default: auto)",
    apply: (v, s) => {
      const protocol = protocols.find((p) => p === v)
      if (protocol === undefined) throw new Invalid("expected auto, ascii or binary")
      s.protocol = protocol
    }
  },
  {
    short: "S",
    long: "enable-sasl",
    help: "binary protocol only, with SASL PLAIN authentication against --sasl-pwdb",
    apply: (_, s) => (s.sasl = true)
  },
  {
    long: "sasl-pwdb",
    env: "MEMCACHED_SASL_PWDB",
    arg: "<file>",
    help: "the user:password file SASL checks (memcached's pwdb format), re-read on SIGHUP",
    apply: (v, s) => (s.saslPwdb = v.length === 0 ? null : v)
  },
  {
    long: "metrics-port",
    env: "EFFCACHED_METRICS_PORT",
    arg: "<num>",
    help: "serve Prometheus metrics at http://<listen address>:<num>/metrics (default: off)",
    apply: (v, s) => (s.metricsPort = integer(v, 0, 65535, "a port number from 0 to 65535"))
  },
  {
    long: "data-dir",
    env: "EFFCACHED_DATA_DIR",
    arg: "<dir>",
    help: "persistence: keep a change log and snapshots here and restore them at start (see docs/persistence.md)",
    apply: (v, s) => {
      if (v.length === 0) throw new Invalid("expected a folder path")
      s.dataDir = v
    }
  },
  {
    long: "appendfsync",
    arg: "<mode>",
    help: "with --data-dir: always (ack once on disk), everysec (fsync each second) or no (default: everysec)",
    apply: (v, s) => {
      const mode = FSYNC_MODES.find((m) => m === v)
      if (mode === undefined) throw new Invalid(`expected one of ${FSYNC_MODES.join(", ")}`)
      s.appendfsync = mode
    }
  },
  {
    long: "snapshot-interval",
    arg: "<seconds>",
    help: "with --data-dir: seconds between snapshots, 0 only by log size (default: 300)",
    apply: (v, s) => (s.snapshotInterval = integer(v, 0, MAX_IDLE_TIMEOUT, "a number of seconds"))
  },
  {
    short: "o",
    long: "extended",
    arg: "<opt,...>",
    help: "memcached's extended options: idle_timeout=<seconds>, ssl_chain_cert=<file>, ssl_key=<file>, " +
      "ssl_ca_cert=<file>, ssl_verify_mode=<0-3>, ssl_keyformat=<1|2>, ssl_ciphers=<list>, " +
      "ssl_min_version=<0-3>, ssl_session_cache; its memory tuning options are ignored",
    apply: applyExtended
  },
  {
    short: "v",
    long: "verbose",
    help: "-v errors and warnings, -vv also connections, -vvv also every command",
    apply: (_, s) => (s.verbosity = Math.min(MAX_VERBOSITY, s.verbosity + 1))
  },
  {
    long: "log-format",
    env: "EFFCACHED_LOG_FORMAT",
    arg: "<format>",
    help: "log line format: logfmt, pretty or json (default: logfmt)",
    apply: (v, s) => {
      const format = LOG_FORMATS.find((f) => f === v)
      if (format === undefined) throw new Invalid(`expected one of ${LOG_FORMATS.join(", ")}`)
      s.logFormat = format
    }
  },
  {
    long: "log-file",
    env: "EFFCACHED_LOG_FILE",
    arg: "<path>",
    help: "append log lines to this file instead of stderr",
    apply: (v, s) => {
      if (v.length === 0) throw new Invalid("expected a file path")
      s.logFile = v
    }
  },
  {
    short: "U",
    long: "udp-port",
    arg: "<num>",
    help: "accepted only as -U 0: effcached has no UDP listener (memcached 1.6 has it off by default too)",
    apply: (v) => {
      if (v !== "0") throw new Invalid("effcached does not support UDP; only -U 0 (UDP off) is accepted")
    }
  },
  {
    short: "u",
    long: "user",
    arg: "<user>",
    help: "accepted and ignored: effcached does not switch users; start it as the user it should run as",
    apply: (v, _, w) => void w.push(`-u ${v} ignored: effcached runs as the user that started it`)
  },
  {
    short: "t",
    long: "threads",
    arg: "<num>",
    help: "accepted and ignored: effcached runs on one Node thread; see --partitions",
    apply: (v, _, w) => {
      integer(v, 1, 1024, "a number of threads")
      w.push(`-t ${v} ignored: effcached runs on one thread; use --partitions to split the keyspace`)
    }
  },
  {
    short: "d",
    long: "daemon",
    help: "refused: effcached stays in the foreground for a service manager",
    apply: () => {
      throw new Invalid(
        "effcached runs in the foreground and logs to stderr; let a service manager (systemd, docker) daemonize it"
      )
    }
  }
]

/** How a flag is named in messages: `-p/--port`, or `--data-dir` when it has no short form. */
export const name = (o: Option) => (o.short !== undefined ? `-${o.short}/--${o.long}` : `--${o.long}`)
