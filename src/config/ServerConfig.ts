/**
 * The server's effective settings, as a service: every other Layer reads its configuration from here,
 * so a test or an embedding program provides settings without going through the command line.
 *
 * @module
 */
import { Context, Layer } from "effect"

/** Every setting, resolved (units: bytes, milliseconds). */
export interface Settings {
  /** TCP port (`-p`); 0 picks a free one. */
  readonly port: number
  /** Address to listen on (`-l`). */
  readonly host: string
  /** Memory for items, in bytes (`-m`, given in MB). */
  readonly memoryLimit: number
  /** Most simultaneous connections (`-c`). */
  readonly maxConnections: number
  /** Largest item, in bytes (`-I`). */
  readonly maxItemSize: number
  /** Evict least recently used items when memory is full; false refuses the store (`-M`). */
  readonly evictions: boolean
  /** 0 quiet, 1 (`-v`) errors, warnings and connection events, 2 (`-vv`) each command. */
  readonly verbosity: number
  /** Store partitions (actors), each owning a slice of the keyspace (`--partitions`). */
  readonly partitions: number
  /** How often the sweeper runs, in milliseconds. */
  readonly sweepIntervalMs: number
  /** Items the sweeper examines per run, over all partitions. */
  readonly sweepBudget: number
}

/** The defaults, memcached's where memcached has one. */
export const defaults: Settings = {
  port: 11211,
  host: "127.0.0.1",
  memoryLimit: 64 * 1024 * 1024,
  maxConnections: 1024,
  maxItemSize: 1024 * 1024,
  evictions: true,
  verbosity: 0,
  partitions: 4,
  sweepIntervalMs: 1000,
  sweepBudget: 10_000
}

/** The settings in effect. */
export class ServerConfig extends Context.Tag("effcached/ServerConfig")<ServerConfig, Settings>() {
  /** Provides the given settings (missing ones take their defaults). */
  static layer(settings: Partial<Settings> = {}): Layer.Layer<ServerConfig> {
    return Layer.succeed(ServerConfig, { ...defaults, ...settings })
  }
}
