/**
 * Types for the part of the `memcached` npm package (2.2.x, which ships none) that the tests use.
 * Values go out with flags by their type (string 0, JSON 2, Buffer 4, number 8) and come back as
 * that type; callbacks get an Error or undefined first.
 */
declare module "memcached" {
  namespace Memcached {
    /** One "host:port", several (a hash ring), or "host:port" to weight. */
    type Location = string | ReadonlyArray<string> | Readonly<Record<string, number>>

    interface Options {
      /** Largest value the client sends, in bytes (1048576). */
      readonly maxValue?: number
      /** Connections per server (10). */
      readonly poolSize?: number
      /** Attempts to get a connection from the pool (5). */
      readonly retries?: number
      /** Milliseconds before a failed server is tried again (30000). */
      readonly retry?: number
      /** Failures before a server is marked dead (5). */
      readonly failures?: number
      /** Connect timeout in milliseconds (5000). */
      readonly timeout?: number
      /** Remove a dead server from the ring instead of reconnecting to it (false). */
      readonly remove?: boolean
      /** Milliseconds between reconnection attempts to a dead server (18000000). */
      readonly reconnect?: number
      /** Milliseconds a pooled connection may stay idle (5000). */
      readonly idle?: number
    }

    type Callback<T> = (error: Error | undefined, data: T) => void

    /** What the connection-issue events carry. */
    interface IssueDetails {
      readonly server: string
      readonly messages: ReadonlyArray<string>
    }

    interface VersionInfo {
      readonly server: string
      readonly version: string
    }

    interface ServerStats {
      readonly server: string
      readonly [stat: string]: string | number | boolean
    }
  }

  class Memcached {
    constructor(location: Memcached.Location, options?: Memcached.Options)
    /** The consistent-hash ring: which server a key goes to. */
    readonly HashRing: { get(key: string): string }
    get(key: string, callback: Memcached.Callback<unknown>): void
    gets(key: string, callback: Memcached.Callback<Record<string, unknown> & { readonly cas: string }>): void
    getMulti(keys: ReadonlyArray<string>, callback: Memcached.Callback<Record<string, unknown>>): void
    set(key: string, value: unknown, lifetime: number, callback: Memcached.Callback<boolean>): void
    add(key: string, value: unknown, lifetime: number, callback: Memcached.Callback<boolean>): void
    replace(key: string, value: unknown, lifetime: number, callback: Memcached.Callback<boolean>): void
    append(key: string, value: unknown, callback: Memcached.Callback<boolean>): void
    prepend(key: string, value: unknown, callback: Memcached.Callback<boolean>): void
    cas(key: string, value: unknown, cas: string, lifetime: number, callback: Memcached.Callback<boolean>): void
    incr(key: string, amount: number, callback: Memcached.Callback<number | false>): void
    decr(key: string, amount: number, callback: Memcached.Callback<number | false>): void
    del(key: string, callback: Memcached.Callback<boolean>): void
    touch(key: string, lifetime: number, callback: Memcached.Callback<boolean>): void
    flush(callback: Memcached.Callback<ReadonlyArray<boolean>>): void
    version(callback: Memcached.Callback<ReadonlyArray<Memcached.VersionInfo>>): void
    stats(callback: Memcached.Callback<ReadonlyArray<Memcached.ServerStats>>): void
    on(
      event: "issue" | "failure" | "reconnecting" | "reconnect" | "remove",
      listener: (details: Memcached.IssueDetails) => void
    ): this
    /** Closes every connection. */
    end(): void
  }

  export = Memcached
}
