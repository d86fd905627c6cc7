/**
 * Types for the part of the `memjs` npm package (1.3.x, which ships none) that the tests use: every
 * call without a callback returns a Promise; values come back as Buffers, flags as the 4 extras bytes.
 */
declare module "memjs" {
  /** Client.create's options (the ones the tests set). */
  export interface Options {
    readonly username?: string
    readonly password?: string
    /** Attempts per request (2). */
    readonly retries?: number
    /** Seconds between attempts (0.2). */
    readonly retry_delay?: number
    /** Seconds a request may take (0.5). */
    readonly timeout?: number
    /** Seconds a connection may take (2). */
    readonly conntimeout?: number
    /** Default expiry in seconds (0). */
    readonly expires?: number
    readonly logger?: { readonly log: (...args: ReadonlyArray<unknown>) => void }
  }

  /** A binary-protocol client over one connection per server. */
  export class Client {
    static create(servers: string, options?: Options): Client
    get(key: string): Promise<{ readonly value: Buffer | null; readonly flags: Buffer | null }>
    set(key: string, value: string | Buffer, options?: { readonly expires?: number }): Promise<boolean>
    add(key: string, value: string | Buffer, options?: { readonly expires?: number }): Promise<boolean>
    replace(key: string, value: string | Buffer, options?: { readonly expires?: number }): Promise<boolean>
    delete(key: string): Promise<boolean>
    increment(
      key: string,
      amount: number,
      options?: { readonly initial?: number; readonly expires?: number }
    ): Promise<{ readonly success: boolean | null; readonly value: number | null }>
    decrement(
      key: string,
      amount: number,
      options?: { readonly initial?: number; readonly expires?: number }
    ): Promise<{ readonly success: boolean | null; readonly value: number | null }>
    append(key: string, value: string | Buffer): Promise<boolean>
    prepend(key: string, value: string | Buffer): Promise<boolean>
    touch(key: string, expires: number): Promise<boolean>
    flush(): Promise<Readonly<Record<string, true | Error>>>
    /** Called once per server. */
    stats(callback: (err: Error | null, server: string, stats: Readonly<Record<string, string>> | null) => void): void
    statsWithKey(
      key: string,
      callback: (err: Error | null, server: string, stats: Readonly<Record<string, string>> | null) => void
    ): void
    quit(): void
    close(): void
  }
}
