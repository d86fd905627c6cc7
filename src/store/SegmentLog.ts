/**
 * A partition's item memory: a log of segments (large buffers) that records are appended to, within a
 * byte budget (the partition's share of `-m`).
 *
 * Records are written at the head segment. When the budget is spent, the oldest segment is cleaned:
 * the item table copies forward the records read since they were written (clearing their reference
 * bit: a second chance) and evicts the rest, and the emptied segment is reused. That is the CLOCK
 * approximation of LRU: a read costs one bit, not a list move. Under `-M` the table instead copies
 * every live record forward (compaction) and the store refuses what still does not fit.
 *
 * Records above 16 KB get a dedicated buffer of their own, released as soon as the record dies, so
 * large values never fragment the segments and a reply may hold their bytes safely.
 *
 * A record reference is one 32-bit number, `segmentId * 2^17 + offset / 8` (records are 8-aligned), so
 * the key index holds 4 bytes a reference.
 *
 * @module
 */

/** Segments are at most this many bytes (offsets / 8 fit in 17 bits). */
export const SPAN = 2 ** 20

/** Segment ids fit in 15 bits. */
const MAX_SEGMENTS = 2 ** 15 - 1

/** A partition of at most this many bytes would need more segment ids: dedicated records grow. */
const DEDICATED_PER_BUDGET = 2 ** 14

/** One buffer of records. */
export class Segment {
  /** Bytes appended so far. */
  used = 0
  /** Bytes of live records. */
  live = 0
  /** Bumped each time the segment is emptied: a sweep cursor holding an older one restarts. */
  generation = 0
  constructor(
    readonly id: number,
    public buf: Buffer,
    /** A buffer sized for one large record. */
    readonly dedicated: boolean
  ) {}
}

/** How a cleaned segment's live records are treated. */
export interface Cleaner {
  /**
   * Empties `victim`: each live record is moved with {@link SegmentLog.copyForward} or dropped.
   * Returns true if a dedicated victim's record was kept where it is (it has a second chance). `now`
   * (Unix seconds) tells expired records from live ones.
   */
  readonly clean: (victim: Segment, compact: boolean, now: number) => boolean
}

const NO_BUFFER = Buffer.alloc(0)

/** The largest record kept in a shared segment. */
const DEDICATED_ABOVE = 16 * 1024

/** The segments of one partition. */
export class SegmentLog {
  /** Segments by id; ids of released segments are reused. */
  private readonly segments: Array<Segment | undefined> = []
  private readonly freeIds: Array<number> = []
  /** Segments holding records, oldest first. */
  readonly fifo: Array<Segment> = []
  private head: Segment | undefined
  /** An empty segment kept back so cleaning always has somewhere to copy to. */
  private spare: Segment | undefined
  /** Empty standard segments ready for reuse. */
  private readonly pool: Array<Segment> = []
  /** Bytes of all buffers held (in use, spare or pooled): what the budget limits. */
  allocated = 0
  private copyAllowance = 0
  /** Set by the owner before the first allocation. */
  cleaner: Cleaner | undefined

  constructor(
    /** Bytes this partition may hold. */
    public budget: number,
    /** Size of a standard segment (at most {@link SPAN}). */
    readonly segmentSize: number,
    /** Whether full memory evicts (the default) or refuses (`-M`). */
    readonly evict: boolean
  ) {}

  /**
   * Records longer than this get a dedicated buffer: a quarter segment, at most 16 KB. Reads copy
   * values out of shared segments (which get reused) but reference dedicated ones, so this also
   * bounds what a read copies.
   */
  get dedicatedThreshold(): number {
    // A very large budget raises it, so that the records fit in the 15-bit segment ids.
    return Math.max(Math.min(this.segmentSize >>> 2, DEDICATED_ABOVE), Math.ceil(this.budget / DEDICATED_PER_BUDGET))
  }

  /** The reference of the record at `offset` in `segment`. */
  ref(segment: Segment, offset: number): number {
    return segment.id * 131072 + (offset >>> 3)
  }

  /** The segment holding `ref`. */
  segment(ref: number): Segment {
    return this.segments[ref >>> 17]!
  }

  /** The buffer holding `ref`. */
  buffer(ref: number): Buffer {
    return this.segments[ref >>> 17]!.buf
  }

  /** The record's offset in its buffer. */
  offset(ref: number): number {
    return (ref & 0x1ffff) << 3
  }

  /**
   * Space for a new record of `length` bytes, cleaning the oldest segment if memory is full (`now`,
   * Unix seconds, tells expired records from live ones); -1 when it cannot be made (full under -M).
   */
  allocate(length: number, now: number): number {
    if (length > this.dedicatedThreshold) return this.allocateDedicated(length, now)
    const head = this.head
    if (head !== undefined && head.used + length <= this.segmentSize) return this.append(head, length)
    return this.advanceHead(length, now) ? this.append(this.head!, length) : -1
  }

  /** During cleaning, space at the head for a record being kept; -1 if it has to go instead. */
  copyForward(length: number): number {
    const head = this.head
    if (head === undefined || head.dedicated || this.copyAllowance < length || head.used + length > this.segmentSize) {
      return -1
    }
    this.copyAllowance -= length
    return this.append(head, length)
  }

  /** A record of `length` bytes at `ref` died (overwritten, deleted, expired or evicted). */
  kill(ref: number, length: number): void {
    const segment = this.segment(ref)
    segment.live -= length
    if (segment.live > 0 || segment === this.head) return
    const at = this.fifo.indexOf(segment)
    if (at >= 0) this.fifo.splice(at, 1)
    this.recycle(segment)
  }

  /** Drops every record's memory (flush_all): segments return to the pool. */
  clear(): void {
    for (const segment of this.fifo.splice(0)) this.recycle(segment)
    if (this.head !== undefined) {
      this.recycle(this.head)
      this.head = undefined
    }
  }

  /** Changes the budget (cache_memlimit); a smaller one releases memory at once. */
  resize(budget: number, now: number): void {
    this.budget = budget
    this.makeRoom(0, now)
  }

  private append(segment: Segment, length: number): number {
    const ref = this.ref(segment, segment.used)
    segment.used += length
    segment.live += length
    return ref
  }

  private newSegment(size: number, dedicated: boolean): Segment {
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.segments.length
    const segment = new Segment(id, Buffer.allocUnsafeSlow(size), dedicated)
    this.segments[id] = segment
    this.allocated += size
    return segment
  }

  private release(segment: Segment): void {
    this.allocated -= segment.buf.length
    this.segments[segment.id] = undefined
    this.freeIds.push(segment.id)
    segment.buf = NO_BUFFER
    segment.generation++
  }

  /** An emptied segment: a dedicated one is released, a standard one pooled. */
  private recycle(segment: Segment): void {
    if (segment === this.head) this.head = undefined
    if (segment.dedicated) return this.release(segment)
    segment.used = 0
    segment.live = 0
    segment.generation++
    this.pool.push(segment)
  }

  /** Room left for new segments, keeping one back as the cleaning spare. */
  private canGrow(size: number): boolean {
    const reserve = this.spare === undefined ? this.segmentSize : 0
    return this.allocated + size + reserve <= this.budget && this.hasId()
  }

  /** Whether a new segment can get an id. */
  private hasId(): boolean {
    return this.freeIds.length > 0 || this.segments.length < MAX_SEGMENTS
  }

  /** Makes a fresh head segment with room for `length`; false if memory is full and nothing can go. */
  private advanceHead(length: number, now: number): boolean {
    for (let attempts = this.fifo.length + 2; attempts > 0; attempts--) {
      const pooled = this.pool.pop()
      if (pooled !== undefined) return this.setHead(pooled)
      if (this.canGrow(this.segmentSize)) return this.setHead(this.newSegment(this.segmentSize, false))
      // Memory is full: one empty segment is kept back as the cleaning target (growth reserved it).
      if (this.spare === undefined && this.allocated + this.segmentSize <= this.budget && this.hasId()) {
        this.spare = this.newSegment(this.segmentSize, false)
      }
      // Compacting (-M) needs somewhere to copy every live record to.
      if (!this.evict && this.spare === undefined) return false
      const victim = this.pickVictim()
      if (victim === undefined) return false
      // The victim's kept records are copied into the spare, which becomes the head; without a spare
      // everything in the victim goes.
      const target = this.spare
      this.spare = undefined
      if (target !== undefined) this.setHead(target)
      else this.head = undefined
      if (this.cleanSegment(victim, length, now)) {
        this.fifo.push(victim)
      } else if (!victim.dedicated) {
        // The emptied victim (just pooled) is the head if there was no spare, else the next spare.
        const emptied = this.pool.pop()!
        if (this.head === undefined) this.setHead(emptied)
        else if (this.spare === undefined) this.spare = emptied
        else this.pool.push(emptied)
      }
      const head = this.head
      if (head !== undefined && head.used + length <= this.segmentSize) return true
    }
    return false
  }

  private setHead(segment: Segment): true {
    this.head = segment
    this.fifo.push(segment)
    return true
  }

  /** The next segment to clean: the oldest (evicting), or the one with most dead bytes (-M). */
  private pickVictim(): Segment | undefined {
    const fifo = this.fifo
    if (this.evict) return fifo.length === 0 ? undefined : fifo[0]
    let best: Segment | undefined
    for (const segment of fifo) {
      if (!segment.dedicated && segment.used - segment.live > (best === undefined ? 0 : best.used - best.live)) {
        best = segment
      }
    }
    return best
  }

  /** Cleans `victim` (already chosen); returns whether a dedicated victim kept its record. */
  private cleanSegment(victim: Segment, room: number, now: number): boolean {
    const at = this.fifo.indexOf(victim)
    if (at >= 0) this.fifo.splice(at, 1)
    if (victim === this.head) this.head = undefined
    // Evicting: keep no more than leaves room for the record being stored. A victim whose records
    // were all read is kept whole and the next one cleaned; their bits are cleared as they move, so
    // within one pass over the segments something is evicted.
    this.copyAllowance = this.evict ? this.segmentSize - room : Infinity
    const kept = this.cleaner!.clean(victim, !this.evict, now)
    this.copyAllowance = 0
    if (victim.dedicated) {
      if (!kept) this.release(victim)
    } else {
      this.recycle(victim)
    }
    return kept
  }

  /** Space for a dedicated record; -1 if it cannot be made. */
  private allocateDedicated(length: number, now: number): number {
    if (!this.makeRoom(length, now) || !this.hasId()) return -1
    const segment = this.newSegment(length, true)
    this.fifo.push(segment)
    return this.append(segment, length)
  }

  /**
   * Releases memory until `length` more bytes fit in the budget: pooled segments first, then the
   * oldest records (evicting only), then the spare. False if it still does not fit.
   */
  private makeRoom(length: number, now: number): boolean {
    const fits = () => this.allocated + length <= this.budget
    const releasePool = () => {
      while (!fits() && this.pool.length > 0) this.release(this.pool.pop()!)
    }
    releasePool()
    for (let attempts = 2 * this.fifo.length + 2; !fits() && this.evict && attempts > 0; attempts--) {
      const victim = this.fifo[0]
      if (victim === undefined) break
      if (this.cleanSegment(victim, 0, now)) this.fifo.push(victim)
      releasePool()
    }
    if (!fits() && this.spare !== undefined) {
      this.release(this.spare)
      this.spare = undefined
    }
    return fits()
  }
}
