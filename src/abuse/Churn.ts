/**
 * Connection churn: connections opened, used once (`version`) and closed, some at a time, as a
 * reconnect storm after a deploy or a proxy restart looks. The figure is the time for all of them.
 *
 * @module
 */
import { inParallel, oneShot } from "./Clients.js"

/** How a churn run went. */
export interface ChurnResult {
  readonly seconds: number
  readonly connections: number
}

/** Opens, uses and closes `connections` connections, `concurrency` at a time. */
export const churn = async (port: number, connections: number, concurrency: number): Promise<ChurnResult> => {
  // A few first, so neither server is measured cold.
  await inParallel(200, concurrency, () => oneShot(port))
  const started = performance.now()
  await inParallel(connections, concurrency, () => oneShot(port))
  return { seconds: (performance.now() - started) / 1000, connections }
}
