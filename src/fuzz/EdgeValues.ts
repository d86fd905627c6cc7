/**
 * The values the fuzzer's commands are made of: numbers, TTLs, deltas and values at memcached's
 * edges, and stats arguments.
 *
 * @module
 */

/** Numbers at memcached's edges: 32- and 64-bit limits, signs, leading zeros, garbage. */
export const edgeNumbers = [
  "0",
  "1",
  "-1",
  "2",
  "100",
  "4294967295",
  "4294967296",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "18446744073709551615",
  "18446744073709551616",
  "99999999999",
  "+1",
  "010",
  "-0",
  "abc",
  "1a",
  "0x10",
  "1e3",
  "9".repeat(30)
]
/** TTLs whose effect cannot depend on when a command runs: none a few seconds ahead. */
export const exptimes = [
  "0",
  "-1",
  "100",
  "3600",
  "2592000",
  "2592001",
  "99999999999",
  "2147483647",
  "-2147483649",
  "abc"
]
export const deltas = ["0", "1", "5", "18446744073709551615", "18446744073709551616", "-1", "abc", "+3", "010"]
/** Values worth storing: counters at their limits, protocol words inside data, binary bytes. */
export const values = [
  "",
  "x",
  "0",
  "1",
  "42",
  "100",
  "18446744073709551615",
  "18446744073709551616",
  " 12",
  "-5",
  "+7",
  "abc",
  "12abc",
  "END",
  "VALUE x 0 1",
  "\r\n",
  "a\r\nb",
  "STORED\r\n"
]

/** Arguments of `stats`, good and bad. */
export const statsArgs = [
  "",
  " items",
  " slabs",
  " settings",
  " sizes",
  " conns",
  " reset",
  " detail on",
  " detail off",
  " detail dump",
  " detail",
  " cachedump 1 1",
  " cachedump 1",
  " cachedump x 1",
  " foo",
  " sizes_enable",
  " sizes_disable"
]
