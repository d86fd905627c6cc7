/**
 * What the binary reader yields besides the domain's requests: the packets that are about the
 * connection rather than the cache (SASL), and the error a malformed or refused packet earns. Each
 * is answered with the opcode and opaque of the packet that produced it.
 *
 * @module
 */

/** An error status to send (its body is memcached's text for it); `close` closes the connection after it. */
export interface BinaryError {
  readonly _tag: "BinaryError"
  readonly status: number
  readonly close: boolean
}

/** SASL list mechanisms. */
export interface SaslListMechs {
  readonly _tag: "SaslListMechs"
}

/** SASL auth (`step` false) or step: the mechanism (the packet's key) and the client's data. */
export interface SaslAuth {
  readonly _tag: "SaslAuth"
  readonly step: boolean
  readonly mechanism: string
  readonly data: Buffer
}

/** A reply the server made up for a SASL packet: a status and a body. */
export interface SaslReply {
  readonly _tag: "SaslReply"
  readonly status: number
  readonly body: string
}

/** The connection-level packets. */
export type BinaryControl = BinaryError | SaslListMechs | SaslAuth

/** Builds an error. */
export const binaryError = (status: number, close: boolean): BinaryError => ({ _tag: "BinaryError", status, close })
