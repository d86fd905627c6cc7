/**
 * Reading a data-dir file a window at a time, so restore holds a few megabytes of it, not the whole
 * file (a restart would otherwise briefly need twice the item memory). A caller asks for the bytes
 * from a file offset; a block or frame that spans the end of the current chunk is moved to the front
 * and the rest read after it, and one larger than a chunk grows the buffer to fit (bounded by the file).
 *
 * @module
 */
import * as fs from "node:fs"

/** Bytes read at a time: large enough to amortise the read calls, small next to any item memory. */
export const CHUNK = 8 << 20

/** A window onto an open file; {@link FileChunks.view} moves it. */
export class FileChunks {
  /** The file's size when opened: offsets at or past it are its end. */
  readonly size: number
  private buf: Buffer
  /** File offset of `buf[0]`. */
  private base = 0
  /** Valid bytes in `buf`. */
  private filled = 0

  private constructor(private readonly fd: number, size: number, chunk: number) {
    this.size = size
    this.buf = Buffer.allocUnsafeSlow(Math.min(chunk, Math.max(size, 1)))
  }

  /** Opens `path` for reading `chunk` bytes at a time (throws as fs.openSync does). */
  static open(path: string, chunk = CHUNK): FileChunks {
    const fd = fs.openSync(path, "r")
    try {
      return new FileChunks(fd, fs.fstatSync(fd).size, chunk)
    } catch (error) {
      fs.closeSync(fd)
      throw error
    }
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.fd)
  }

  /**
   * A buffer holding the file's bytes from `pos` at index {@link at}, at least `want` of them or up to
   * the end of the file, whichever is less. The buffer ends at the file's end whenever it holds fewer
   * than `want` bytes from `pos`, so a length check against it is a check against the file. Valid
   * until the next call.
   */
  view(pos: number, want: number): Buffer {
    const need = Math.min(want, this.size - pos)
    if (pos < this.base || pos + need > this.base + this.filled) this.load(pos, need)
    this.at = pos - this.base
    return this.buf.subarray(0, this.filled)
  }

  /** Index in the last {@link view}'s buffer of the offset it was asked for. */
  at = 0

  private load(pos: number, need: number): void {
    const keep = pos >= this.base && pos < this.base + this.filled ? this.base + this.filled - pos : 0
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(need)
      this.buf.copy(bigger, 0, pos - this.base, pos - this.base + keep)
      this.buf = bigger
    } else if (keep > 0) {
      this.buf.copyWithin(0, pos - this.base, pos - this.base + keep)
    }
    this.base = pos
    this.filled = keep
    while (this.filled < need) {
      const want = Math.min(this.buf.length - this.filled, this.size - (this.base + this.filled))
      const n = fs.readSync(this.fd, this.buf, this.filled, want, this.base + this.filled)
      if (n === 0) break
      this.filled += n
    }
  }
}
