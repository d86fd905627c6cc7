/**
 * The servers of a client and which one owns each key: libmemcached's weighted ketama over the
 * servers' names (see Ketama.ts). Without `autoEject` the ring always holds every server, so a key
 * of a server that is down fails fast; with it the ring holds the servers that are up and is rebuilt
 * when one goes down or comes back, so its keys move to the others meanwhile (as twemproxy's
 * `auto_eject_hosts` and libmemcached's `remove_failed_servers` do).
 *
 * @module
 */
import { ServerUnavailable } from "./Errors.js"
import { Continuum } from "./Ketama.js"
import type { ServerPool } from "./ServerPool.js"

/** The servers and their ring. */
export class Cluster {
  private members: ReadonlyArray<ServerPool> = []
  private ring: Continuum | undefined = undefined

  constructor(
    readonly pools: ReadonlyArray<ServerPool>,
    private readonly autoEject: boolean
  ) {
    this.rebuild()
  }

  /** Rebuilds the ring (after a server was marked down or up, when servers are ejected). */
  rebuild(): void {
    const members = this.autoEject ? this.pools.filter((pool) => pool.isUp) : this.pools
    this.members = members
    this.ring = members.length > 1
      ? Continuum.make(members.map((pool) => ({ name: pool.address.name, weight: pool.address.weight })))
      : undefined
  }

  /** The pool that owns `key` (latin1: one char per byte), or why there is none. */
  poolFor(key: string): ServerPool | ServerUnavailable {
    const members = this.members
    if (members.length === 1) return members[0]!
    if (members.length === 0) {
      return new ServerUnavailable({
        server: this.pools.map((p) => p.address.label).join(","),
        reason: "every server is down"
      })
    }
    return members[this.ring!.ownerOf(Buffer.from(key, "latin1"))]!
  }
}
