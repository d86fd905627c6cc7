/**
 * Text-protocol command lines as clients write them, for scripted sessions (differential cases, the
 * per-class statistics check, bulk loads) and decoder tests.
 */

/** A key of exactly `n` bytes starting with `prefix`. */
export const keyOf = (prefix: string, n: number): string => prefix + "k".repeat(n - prefix.length)

/** `set` of `value` (latin1) under `key`, with its data block. */
export const setLine = (key: string, value: string, flags = 0, exptime = 0): string =>
  `set ${key} ${flags} ${exptime} ${value.length}\r\n${value}\r\n`

/** `ms` of `value` (latin1) under `key` with extra flag words, with its data block. */
export const msLine = (key: string, value: string, flags = ""): string =>
  `ms ${key} ${value.length}${flags === "" ? "" : " " + flags}\r\n${value}\r\n`

/** A command line's tokens, split on spaces as memcached splits them. */
export const tokensOf = (line: string): Array<string> => line.split(" ").filter((t) => t.length > 0)

/** The CLIENT_ERROR result with `message`. */
export const clientError = (message: string) => ({ _tag: "ClientError", message }) as const
