/**
 * libmemcached's weighted ketama continuum (`ketama_weighted`), which twemproxy's `distribution:
 * ketama` also builds, so that this client, pylibmc (`behaviors={"ketama_weighted": True}`) and
 * twemproxy (`hash: md5`) place every key on the same server.
 *
 * Each server gets `floor(weight / total * 40 * servers) * 4` points (160 with equal weights): for
 * `i` from 0, the MD5 of `<name>-<i>` gives four 32-bit points (its bytes read little-endian in
 * groups of four). A key goes to the server of the first point at or after the MD5 of the key (its
 * first four bytes, little-endian), wrapping around. libmemcached computes the share in single
 * precision, so this does too (`Math.fround`): a double would round some weights differently.
 *
 * @module
 */
import { createHash } from "node:crypto"

/** Points per server with equal weights: 40 hashes of 4 points. */
export const POINTS_PER_SERVER = 160
const POINTS_PER_HASH = 4

/** A server on the ring: the name it is hashed by and its weight. */
export interface RingMember {
  readonly name: string
  readonly weight: number
}

const md5 = (bytes: Buffer): Buffer => createHash("md5").update(bytes).digest()

/** The 32-bit hash of a key: the first four bytes of its MD5, little-endian (libmemcached's md5 hash). */
export const hashKey = (key: Buffer): number => md5(key).readUInt32LE(0)

/** How many points a member gets, as libmemcached's `update_continuum` computes it in floats. */
export const pointsFor = (weight: number, totalWeight: number, members: number): number => {
  const f = Math.fround
  const share = f(f(weight) / f(totalWeight))
  const scaled = f(f(f(share * POINTS_PER_SERVER) / 4) * f(members))
  return Math.floor(f(scaled + 0.0000000001)) * 4
}

/** A built continuum: sorted points and, for each, the index of its member. */
export class Continuum {
  private constructor(
    private readonly points: Uint32Array,
    private readonly owners: Uint32Array
  ) {}

  /** Builds the ring of `members` (their order matters only to break ties between equal points). */
  static make(members: ReadonlyArray<RingMember>): Continuum {
    const total = members.reduce((sum, m) => sum + m.weight, 0)
    const entries: Array<{ readonly point: number; readonly owner: number }> = []
    members.forEach((member, owner) => {
      const count = pointsFor(member.weight, total, members.length)
      for (let i = 0; i < count / POINTS_PER_HASH; i++) {
        const digest = md5(Buffer.from(`${member.name}-${i}`, "latin1"))
        for (let k = 0; k < POINTS_PER_HASH; k++) entries.push({ point: digest.readUInt32LE(k * 4), owner })
      }
    })
    // Stable sort: equal points (rare) keep the order libmemcached's qsort most likely gives them.
    entries.sort((a, b) => a.point - b.point)
    return new Continuum(
      Uint32Array.from(entries, (e) => e.point),
      Uint32Array.from(entries, (e) => e.owner)
    )
  }

  /** How many points the ring has. */
  get size(): number {
    return this.points.length
  }

  /** The index (in the members given to {@link make}) of the member owning hash `hash`; -1 if empty. */
  ownerOfHash(hash: number): number {
    const points = this.points
    if (points.length === 0) return -1
    let left = 0
    let right = points.length
    while (left < right) {
      const middle = (left + right) >>> 1
      if (points[middle]! < hash) left = middle + 1
      else right = middle
    }
    return this.owners[right === points.length ? 0 : right]!
  }

  /** The index of the member owning `key` (its bytes). */
  ownerOf(key: Buffer): number {
    return this.ownerOfHash(hashKey(key))
  }
}
