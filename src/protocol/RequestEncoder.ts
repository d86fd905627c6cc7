/**
 * Encoding of typed requests as text-protocol bytes: the client side of the codec, used by tests
 * (every request must survive encode-then-decode) and by clients built on this package.
 *
 * @module
 */
import type { Request } from "../domain/Request.js"

const line = (...tokens: ReadonlyArray<string | number | bigint>): string => tokens.join(" ") + "\r\n"
const quiet = (noreply: boolean) => (noreply ? ["noreply"] : [])

/** The text-protocol bytes of a request. */
export const encodeRequest = (request: Request): Buffer => {
  switch (request._tag) {
    case "Get":
      return Buffer.from(line("get", ...request.keys), "latin1")
    case "Gets":
      return Buffer.from(line("gets", ...request.keys), "latin1")
    case "Gat":
      return Buffer.from(line("gat", request.exptime, ...request.keys), "latin1")
    case "Gats":
      return Buffer.from(line("gats", request.exptime, ...request.keys), "latin1")
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas": {
      const { key, flags, exptime, value, noreply } = request
      const head = request._tag === "Cas"
        ? line("cas", key, flags, exptime, value.length, request.cas, ...quiet(noreply))
        : line(request._tag.toLowerCase(), key, flags, exptime, value.length, ...quiet(noreply))
      return Buffer.concat([Buffer.from(head, "latin1"), value, Buffer.from("\r\n")])
    }
    case "TooLarge":
      // Not a request a client sends: it stands for a storage command whose data was discarded.
      return Buffer.from(line(request.command, request.key, 0, 0, 0, ...quiet(request.noreply)) + "\r\n", "latin1")
    case "Delete":
      return Buffer.from(line("delete", request.key, ...quiet(request.noreply)), "latin1")
    case "Incr":
      return Buffer.from(line("incr", request.key, request.delta, ...quiet(request.noreply)), "latin1")
    case "Decr":
      return Buffer.from(line("decr", request.key, request.delta, ...quiet(request.noreply)), "latin1")
    case "Touch":
      return Buffer.from(line("touch", request.key, request.exptime, ...quiet(request.noreply)), "latin1")
    case "FlushAll":
      return Buffer.from(
        request.delay === 0 ? line("flush_all", ...quiet(request.noreply)) : line("flush_all", request.delay, ...quiet(request.noreply)),
        "latin1"
      )
    case "Version":
      return Buffer.from("version\r\n")
    case "Verbosity":
      return Buffer.from(line("verbosity", request.level, ...quiet(request.noreply)), "latin1")
    case "Quit":
      return Buffer.from("quit\r\n")
    case "Shutdown":
      return Buffer.from(line("shutdown", ...request.args), "latin1")
    case "Stats":
      return Buffer.from(line("stats", ...request.args), "latin1")
  }
}
