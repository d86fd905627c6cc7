/**
 * Choosing the load generator from `--loadgen`: `auto` takes effload (the project's own, built with
 * cc) and falls back to the built-in one (saying why); naming one that is not available is an error.
 * mcload and memtier_benchmark are optional extras, by name only.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Effload from "./Effload.js"
import * as LoadGenerator from "./LoadGenerator.js"
import * as Mcload from "./Mcload.js"
import * as Memtier from "./Memtier.js"
import type { LoadgenChoice } from "./Options.js"
import type { LoadGenerator as Loadgen, LoadgenUnavailable } from "./Workload.js"

/** The chosen load generator and, when auto fell back, why. */
export interface Chosen {
  readonly loadgen: Loadgen
  readonly note: string | undefined
}

/** The load generator for `choice`, for the project at `root`. */
export const select = (choice: LoadgenChoice, root: string): Effect.Effect<Chosen, LoadgenUnavailable> => {
  switch (choice) {
    case "builtin":
      return Effect.succeed({ loadgen: LoadGenerator.builtin, note: undefined })
    case "effload":
      return Effect.map(Effload.locate(root), (binary) => ({ loadgen: Effload.make(binary), note: undefined }))
    case "mcload":
      return Effect.map(Mcload.locate(root), (binary) => ({ loadgen: Mcload.make(binary), note: undefined }))
    case "memtier":
      return Effect.map(Memtier.locate, (binary) => ({ loadgen: Memtier.make(binary), note: undefined }))
    case "auto":
      return Effload.locate(root).pipe(
        Effect.map((binary): Chosen => ({ loadgen: Effload.make(binary), note: undefined })),
        Effect.catchAll((unavailable) =>
          Effect.succeed({
            loadgen: LoadGenerator.builtin,
            note: `${unavailable.message}; using the built-in load generator`
          })
        )
      )
  }
}
