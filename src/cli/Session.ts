/**
 * Running what a person typed on the servers, through the client library: a command with a key goes
 * to the server owning it (ketama, as the library places keys), one without goes to every server.
 * Failures (a server that cannot be reached, a timeout) become one line of error, never a trace.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { routingKey } from "../client/Executor.js"
import type { MemcachedClientShape } from "../client/MemcachedClient.js"
import { isResult } from "../domain/Result.js"
import { type Display, type Invocation, toRequest } from "./Input.js"
import { isErrorReply, type Printed, printResult, printResults } from "./Output.js"

/** What a command printed: its output, an error line for stderr, and whether it succeeded. */
export interface Outcome extends Printed {
  readonly error: string | undefined
}

const failed = (message: string): Outcome => ({ output: Buffer.alloc(0), ok: false, error: message })

/** Runs a protocol line (with its data block) on the servers. */
export const runLine = (
  client: MemcachedClientShape,
  line: Buffer,
  data: Buffer | undefined,
  display: Display
): Effect.Effect<Outcome> => {
  const decoded = toRequest(line, data)
  if (isResult(decoded)) {
    // The reply memcached gives such a line, made here: the line never needs to be sent.
    return Effect.succeed({
      ...printResult({ _tag: "Version" }, decoded, "reply"),
      ok: !isErrorReply(decoded),
      error: undefined
    })
  }
  const request = decoded
  const everywhere = routingKey(request) === undefined && client.servers.length > 1
  const results = everywhere
    ? Effect.map(
      client.broadcast(request),
      (all) => all.map(({ result, server }) => ({ server: server.label, result }))
    )
    : Effect.map(client.execute(request), (result) => [{ server: client.servers[0]!.label, result }])
  return results.pipe(
    Effect.map((all): Outcome => ({ ...printResults(request, all, display), error: undefined })),
    Effect.catchAll((error) => Effect.succeed(failed(error.message)))
  )
}

/** Runs an invocation whose data block, if it needs one, is `data`. */
export const runInvocation = (
  client: MemcachedClientShape,
  invocation: Extract<Invocation, { _tag: "Send" }>,
  data?: Buffer
): Effect.Effect<Outcome> =>
  runLine(client, invocation.line, invocation.data === "next" ? data : invocation.data, invocation.display)
