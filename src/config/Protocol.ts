/**
 * Which protocols a connection may speak (memcached's `-B`, binding_protocol) and how `-S` (SASL)
 * and `-Y` (ASCII authentication) constrain it, as memcached 1.6.18's main() does: SASL exists only in
 * the binary protocol, so `-S` makes the server binary-only and refuses `-B ascii` or `-B auto`;
 * `-Y` makes it ASCII-only and refuses `-B binary` or `-B auto`.
 *
 * @module
 */

/** `auto`: each connection's first byte decides (0x80: binary), `ascii` or `binary` only. */
export type Protocol = "auto" | "ascii" | "binary"

/** The protocols `-B` accepts. */
export const protocols: ReadonlyArray<Protocol> = ["auto", "ascii", "binary"]

/** memcached's name for a binding protocol in `stats settings`. */
export const protocolName = (protocol: Protocol): string => (protocol === "auto" ? "auto-negotiate" : protocol)

/**
 * The protocol in effect, or memcached's error when the flags contradict each other. `specified`:
 * whether `-B` was given (else `protocol` is the default, `auto`).
 */
export const resolveProtocol = (
  protocol: Protocol,
  specified: boolean,
  sasl: boolean,
  authFile: boolean
): Protocol | { readonly error: string } => {
  if (sasl && authFile) return { error: "-S (binary SASL) and -Y (ASCII authentication) exclude each other" }
  if (sasl) {
    if (specified && protocol !== "binary") return { error: "You cannot allow the ASCII protocol while using SASL." }
    return "binary"
  }
  if (authFile) {
    if (specified && protocol !== "ascii") {
      return { error: "You cannot allow the BINARY protocol while using ascii authentication tokens." }
    }
    return "ascii"
  }
  return protocol
}
