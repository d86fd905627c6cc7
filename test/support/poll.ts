/**
 * Waiting for a condition that another process brings about (a proxy ejecting a backend, a client
 * reconnecting) without timing assumptions: try, and try again until it holds or a deadline passes.
 */

/** Every result `attempt` gave, the last one satisfying `done`. */
export type Attempts<T> = ReadonlyArray<T>

/**
 * Calls `attempt` until `done` accepts its result, `intervalMs` apart, for at most `deadlineMs`;
 * resolves with every result (the last one accepted), or rejects with them all once the deadline passes.
 */
export const pollUntil = async <T>(
  attempt: () => Promise<T>,
  done: (result: T) => boolean,
  options: { readonly deadlineMs: number; readonly intervalMs?: number; readonly what: string }
): Promise<Attempts<T>> => {
  const results: Array<T> = []
  const deadline = Date.now() + options.deadlineMs
  for (;;) {
    const result = await attempt()
    results.push(result)
    if (done(result)) return results
    if (Date.now() > deadline) {
      const last = results.slice(-5).map((r) => JSON.stringify(r))
      throw new Error(
        `${options.what}: not within ${options.deadlineMs} ms (${results.length} attempts; last: ${last.join(", ")})`
      )
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25))
  }
}
