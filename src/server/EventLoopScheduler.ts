/**
 * The fiber scheduler the server runs on. Effect's default scheduler chains microtasks per fiber and
 * falls back to `setTimeout(0)` (about 1 ms in Node) once a fiber has been rescheduled 2048 times in
 * a row, which a busy partition actor reaches under sustained load.
 *
 * This one keeps a single FIFO of tasks and drains it from `setImmediate`: everything the sockets
 * delivered in one event-loop turn is processed together (connection fibers decode and offer jobs,
 * partitions take whole mailboxes, connections encode and write) in the same turn, and I/O is polled
 * again between turns, so a long drain can never starve the sockets.
 *
 * A turn also ends once it has run for {@link TURN_BUDGET_MS}, the tasks left over going first in the
 * next: without that, connections that each pipeline a megabyte of requests made one turn last as
 * long as all of their work took (seconds on a loaded machine), and meanwhile no new connection was
 * accepted and no other client was read or answered.
 *
 * @module
 */
import * as Scheduler from "effect/Scheduler"

/** At most this many drain rounds per turn before yielding to I/O. */
const MAX_ROUNDS_PER_TURN = 256

/** A turn yields to I/O once it has run this long (milliseconds). */
export const TURN_BUDGET_MS = 4

/** A scheduler draining one task queue per event-loop turn. */
export class EventLoopScheduler implements Scheduler.Scheduler {
  private tasks: Array<Scheduler.Task> = []
  private scheduled = false

  readonly shouldYield = Scheduler.defaultShouldYield

  scheduleTask(task: Scheduler.Task): void {
    this.tasks.push(task)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.drain)
    }
  }

  private readonly drain = (): void => {
    const deadline = performance.now() + TURN_BUDGET_MS
    for (let round = 0; round < MAX_ROUNDS_PER_TURN && this.tasks.length > 0; round++) {
      const tasks = this.tasks
      this.tasks = []
      for (let i = 0; i < tasks.length; i++) {
        tasks[i]!()
        if (performance.now() > deadline && i + 1 < tasks.length) {
          // Out of time: the rest of this round goes before what it scheduled, in order.
          this.tasks = tasks.slice(i + 1).concat(this.tasks)
          round = MAX_ROUNDS_PER_TURN
          break
        }
      }
      if (performance.now() > deadline) break
    }
    if (this.tasks.length > 0) setImmediate(this.drain)
    else this.scheduled = false
  }
}

/**
 * The scheduler instance the daemon runs on: `main.ts` sets it for the whole program with
 * `Effect.withScheduler`, so every fiber, including those Layers fork, inherits it. A program that
 * embeds the server's Layers may do the same.
 */
export const scheduler: Scheduler.Scheduler = new EventLoopScheduler()
