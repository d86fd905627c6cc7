/**
 * A vitest reporter that ends the run with one plain line, `vitest: N passed, N failed, N skipped`,
 * the form CI systems read to tell a run that tested something from one that tested nothing.
 */
import type { Reporter } from "vitest/reporters"

interface TaskLike {
  readonly type: string
  readonly mode?: string
  readonly result?: { readonly state?: string }
  readonly tasks?: ReadonlyArray<TaskLike>
}

export default class SummaryReporter implements Reporter {
  onFinished(files: ReadonlyArray<TaskLike> = []): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    const visit = (task: TaskLike): void => {
      if (task.type === "test") {
        const state = task.result?.state
        if (state === "pass") passed++
        else if (state === "fail") failed++
        else skipped++
        return
      }
      // A file or suite that failed to load or whose hooks failed counts as a failure.
      if (task.result?.state === "fail" && (task.tasks ?? []).length === 0) failed++
      for (const child of task.tasks ?? []) visit(child)
    }
    for (const file of files) visit(file)
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
