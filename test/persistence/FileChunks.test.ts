import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { FileChunks } from "../../src/persistence/FileChunks.js"

/** A deterministic pseudo-random sequence (no Math.random: failures must replay). */
const lcg = (seed: number) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32

describe("FileChunks", () => {
  it("views spanning chunk ends, larger than a chunk, and at the end hold the file's bytes and end where it ends", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effc-chunks-"))
    try {
      const random = lcg(7)
      for (const size of [0, 1, 63, 64, 65, 1000, 4099]) {
        const data = Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)))
        const file = path.join(dir, `f${size}`)
        fs.writeFileSync(file, data)
        const chunks = FileChunks.open(file, 64)
        try {
          expect(chunks.size).toBe(size)
          for (let pos = 0; pos <= size;) {
            const want = Math.floor(random() * 200)
            const buf = chunks.view(pos, want)
            const held = buf.length - chunks.at
            expect(held).toBeGreaterThanOrEqual(Math.min(want, size - pos))
            if (held < want) expect(held).toBe(size - pos)
            expect(buf.subarray(chunks.at)).toEqual(data.subarray(pos, pos + held))
            if (pos === size) break
            pos = Math.min(size, pos + 1 + Math.floor(random() * Math.max(1, held)))
          }
        } finally {
          chunks.close()
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
