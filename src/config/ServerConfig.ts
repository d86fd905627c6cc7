/**
 * The server's effective settings, as a service: every other Layer reads its configuration from here,
 * so a test or an embedding program provides settings without going through the command line.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { tlsDefaults, type TlsSettings } from "./TlsSettings.js"

/** Every setting, resolved (units: bytes, milliseconds). */
export interface Settings {
  /** TCP port (`-p`); 0 picks a free one. */
  readonly port: number
  /**
   * Addresses to listen on (`-l`, as given: a list separated by commas, each `[notls:]host[:port]`;
   * see ListenAddresses.ts). memcached's `inter`.
   */
  readonly host: string
  /** Memory for items, in bytes (`-m`, given in MB). */
  readonly memoryLimit: number
  /** Most simultaneous connections (`-c`). */
  readonly maxConnections: number
  /** Largest item, in bytes (`-I`). */
  readonly maxItemSize: number
  /** Evict least recently used items when memory is full; false refuses the store (`-M`). */
  readonly evictions: boolean
  /**
   * What is logged: 0 the startup and shutdown lines, 1 (`-v`) also errors and warnings, 2 (`-vv`) also
   * connection events, 3 (`-vvv`) also every command.
   */
  readonly verbosity: number
  /** How log lines are written (`--log-format`). */
  readonly logFormat: LogFormat
  /** Append log lines to this file instead of stderr (`--log-file`); null for stderr. */
  readonly logFile: string | null
  /** Close a connection idle (no command) for longer than this many seconds; 0 never (`--idle-timeout`). */
  readonly idleTimeout: number
  /** Whether the `shutdown` command stops the server (`-A`). */
  readonly enableShutdown: boolean
  /** On shutdown, how long connections may take to finish and flush, in milliseconds (`--shutdown-grace`). */
  readonly shutdownGraceMs: number
  /** Store partitions (actors), each owning a slice of the keyspace (`--partitions`). */
  readonly partitions: number
  /** How often the sweeper runs, in milliseconds. */
  readonly sweepIntervalMs: number
  /** Items the sweeper examines per run, over all partitions. */
  readonly sweepBudget: number
  /**
   * Most requests a connection executes as one batch before it writes their replies and lets others
   * run (memcached's `reqs_per_event`, reported by `stats settings`). Not a flag.
   */
  readonly reqsPerEvent: number
  /** The listening socket's backlog (memcached's `tcp_backlog`, `-b`). Not a flag. */
  readonly listenBacklog: number
  /** TLS (`-Z`, `-o ssl_*`). */
  readonly tls: TlsSettings
  /** The `user:password` file of memcached's ASCII authentication (`-Y`); null when it is off. */
  readonly authFile: string | null
  /** Port of the Prometheus metrics endpoint on the listen address (`--metrics-port`); null: off. */
  readonly metricsPort: number | null
  /** Folder persistence keeps its files in (`--data-dir`); null: persistence off, no files at all. */
  readonly dataDir: string | null
  /** When the change log is fsynced (`--appendfsync`): before each ack, at least once a second, or by the OS. */
  readonly appendfsync: AppendFsync
  /** Seconds between snapshots (`--snapshot-interval`); 0: only when the log grows large, and at shutdown. */
  readonly snapshotInterval: number
}

/** The `--appendfsync` modes, as Redis names them. */
export type AppendFsync = "always" | "everysec" | "no"

/** Log line formats: logfmt (`key=value`), Effect's pretty format, or one JSON object per line. */
export type LogFormat = "logfmt" | "pretty" | "json"

/** The defaults, memcached's where memcached has one. */
export const defaults: Settings = {
  port: 11211,
  host: "127.0.0.1",
  memoryLimit: 64 * 1024 * 1024,
  maxConnections: 1024,
  maxItemSize: 1024 * 1024,
  evictions: true,
  verbosity: 0,
  logFormat: "logfmt",
  logFile: null,
  idleTimeout: 0,
  enableShutdown: false,
  shutdownGraceMs: 5000,
  partitions: 4,
  sweepIntervalMs: 1000,
  sweepBudget: 10_000,
  reqsPerEvent: 1024,
  listenBacklog: 1024,
  tls: tlsDefaults,
  authFile: null,
  metricsPort: null,
  dataDir: null,
  appendfsync: "everysec",
  snapshotInterval: 300
}

/** The settings in effect. */
export class ServerConfig extends Context.Tag("effcached/ServerConfig")<ServerConfig, Settings>() {
  /** Provides the given settings (missing ones take their defaults). */
  static layer(settings: Partial<Settings> = {}): Layer.Layer<ServerConfig> {
    return Layer.succeed(ServerConfig, { ...defaults, ...settings })
  }
}
