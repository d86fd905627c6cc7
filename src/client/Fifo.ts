/**
 * A first-in first-out queue over an array with a moving head: push and shift in constant time
 * (Array.prototype.shift moves every element), compacted once the dead prefix outweighs the rest.
 *
 * @module
 */

/** A queue of items, oldest first. */
export class Fifo<A> {
  private items: Array<A | undefined> = []
  private head = 0

  /** How many items it holds. */
  get length(): number {
    return this.items.length - this.head
  }

  /** Adds an item at the end. */
  push(item: A): void {
    this.items.push(item)
  }

  /** The oldest item, left in place. */
  peek(): A | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined
  }

  /** Removes and returns the oldest item. */
  shift(): A | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items.length = 0
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** The oldest item satisfying `predicate` (called oldest first, stopping at the first match). */
  find(predicate: (item: A) => boolean): A | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as A
      if (predicate(item)) return item
    }
    return undefined
  }
}
