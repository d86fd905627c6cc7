/**
 * The `memcached` npm package's callback methods as promises, for the tests that drive it (alone or
 * as a hash ring over several servers).
 */
import Memcached from "memcached"

/** What a callback method reported: its error (if any) and its data, which may be partial with an error. */
export interface Settled<T> {
  readonly error: Error | undefined
  readonly data: T
}

/** Calls a callback method; resolves with its error and data together. */
export const settle = <T>(method: (callback: Memcached.Callback<T>) => void): Promise<Settled<T>> =>
  new Promise((resolve) => method((error, data) => resolve({ error, data })))

/** Calls a callback method; rejects with its error. */
export const call = async <T>(method: (callback: Memcached.Callback<T>) => void): Promise<T> => {
  const { data, error } = await settle(method)
  if (error !== undefined) throw error
  return data
}

/** A `memcached` client whose methods return promises. */
export class PromisedMemcached {
  /** The underlying client (its hash ring, events, `end`). */
  readonly client: Memcached

  constructor(location: Memcached.Location, options?: Memcached.Options) {
    this.client = new Memcached(location, options)
  }

  get(key: string): Promise<unknown> {
    return call((cb) => this.client.get(key, cb))
  }
  gets(key: string): Promise<(Record<string, unknown> & { readonly cas: string }) | undefined> {
    return call((cb) => this.client.gets(key, cb))
  }
  getMulti(keys: ReadonlyArray<string>): Promise<Record<string, unknown>> {
    return call((cb) => this.client.getMulti(keys, cb))
  }
  set(key: string, value: unknown, lifetime = 0): Promise<boolean> {
    return call((cb) => this.client.set(key, value, lifetime, cb))
  }
  add(key: string, value: unknown, lifetime = 0): Promise<boolean> {
    return call((cb) => this.client.add(key, value, lifetime, cb))
  }
  replace(key: string, value: unknown, lifetime = 0): Promise<boolean> {
    return call((cb) => this.client.replace(key, value, lifetime, cb))
  }
  append(key: string, value: unknown): Promise<boolean> {
    return call((cb) => this.client.append(key, value, cb))
  }
  prepend(key: string, value: unknown): Promise<boolean> {
    return call((cb) => this.client.prepend(key, value, cb))
  }
  cas(key: string, value: unknown, cas: string, lifetime = 0): Promise<boolean> {
    return call((cb) => this.client.cas(key, value, cas, lifetime, cb))
  }
  incr(key: string, amount: number): Promise<number | false> {
    return call((cb) => this.client.incr(key, amount, cb))
  }
  decr(key: string, amount: number): Promise<number | false> {
    return call((cb) => this.client.decr(key, amount, cb))
  }
  del(key: string): Promise<boolean> {
    return call((cb) => this.client.del(key, cb))
  }
  touch(key: string, lifetime: number): Promise<boolean> {
    return call((cb) => this.client.touch(key, lifetime, cb))
  }
  flush(): Promise<ReadonlyArray<boolean>> {
    return call((cb) => this.client.flush(cb))
  }
  version(): Promise<ReadonlyArray<Memcached.VersionInfo>> {
    return call((cb) => this.client.version(cb))
  }
  stats(): Promise<ReadonlyArray<Memcached.ServerStats>> {
    return call((cb) => this.client.stats(cb))
  }
  /** Closes every connection. */
  end(): void {
    this.client.end()
  }
}
