/**
 * memcached's binary protocol constants (protocol_binary.h of memcached 1.6.18): magic bytes, the
 * header layout, opcodes and response statuses.
 *
 * @module
 */

/** The first byte of every request packet. */
export const REQUEST_MAGIC = 0x80
/** The first byte of every response packet. */
export const RESPONSE_MAGIC = 0x81
/** Every packet starts with a header of this many bytes. */
export const HEADER_SIZE = 24
/** The longest SASL mechanism name memcached accepts (MAX_SASL_MECH_LEN). */
export const MAX_SASL_MECH_LENGTH = 32
/** The incr/decr expiry that means "do not create a missing counter". */
export const NO_CREATE = 0xffff_ffff

/** Request opcodes. */
export const Op = {
  Get: 0x00,
  Set: 0x01,
  Add: 0x02,
  Replace: 0x03,
  Delete: 0x04,
  Increment: 0x05,
  Decrement: 0x06,
  Quit: 0x07,
  Flush: 0x08,
  GetQ: 0x09,
  Noop: 0x0a,
  Version: 0x0b,
  GetK: 0x0c,
  GetKQ: 0x0d,
  Append: 0x0e,
  Prepend: 0x0f,
  Stat: 0x10,
  SetQ: 0x11,
  AddQ: 0x12,
  ReplaceQ: 0x13,
  DeleteQ: 0x14,
  IncrementQ: 0x15,
  DecrementQ: 0x16,
  QuitQ: 0x17,
  FlushQ: 0x18,
  AppendQ: 0x19,
  PrependQ: 0x1a,
  Verbosity: 0x1b,
  Touch: 0x1c,
  Gat: 0x1d,
  GatQ: 0x1e,
  SaslListMechs: 0x20,
  SaslAuth: 0x21,
  SaslStep: 0x22,
  GatK: 0x23,
  GatKQ: 0x24
} as const

/** Response statuses. */
export const Status = {
  Success: 0x00,
  KeyNotFound: 0x01,
  KeyExists: 0x02,
  TooBig: 0x03,
  Invalid: 0x04,
  NotStored: 0x05,
  DeltaBadValue: 0x06,
  AuthError: 0x20,
  AuthContinue: 0x21,
  UnknownCommand: 0x81,
  OutOfMemory: 0x82
} as const

/** The body memcached's write_bin_error sends with each error status. */
export const statusText: Readonly<Record<number, string>> = {
  [Status.OutOfMemory]: "Out of memory",
  [Status.UnknownCommand]: "Unknown command",
  [Status.KeyNotFound]: "Not found",
  [Status.Invalid]: "Invalid arguments",
  [Status.KeyExists]: "Data exists for key.",
  [Status.TooBig]: "Too large.",
  [Status.DeltaBadValue]: "Non-numeric server-side value for incr or decr",
  [Status.NotStored]: "Not stored.",
  [Status.AuthError]: "Auth failure."
}

/**
 * The quiet opcodes, mapped to their loud forms: a quiet command answers only on error (a quiet get
 * only on a hit), as memcached's dispatch_bin_command sets `noreply` for exactly these.
 */
export const loudOf: Readonly<Record<number, number>> = {
  [Op.SetQ]: Op.Set,
  [Op.AddQ]: Op.Add,
  [Op.ReplaceQ]: Op.Replace,
  [Op.DeleteQ]: Op.Delete,
  [Op.IncrementQ]: Op.Increment,
  [Op.DecrementQ]: Op.Decrement,
  [Op.QuitQ]: Op.Quit,
  [Op.FlushQ]: Op.Flush,
  [Op.AppendQ]: Op.Append,
  [Op.PrependQ]: Op.Prepend,
  [Op.GetQ]: Op.Get,
  [Op.GetKQ]: Op.GetK,
  [Op.GatQ]: Op.Gat,
  [Op.GatKQ]: Op.GatK
}

/** Whether an opcode is a quiet one. */
export const isQuietOp = (opcode: number): boolean => loudOf[opcode] !== undefined
