/**
 * `lru_crawler metadump`: one line per live item, in memcached's format
 * (`key=<uri-encoded> exp=<unix|-1> la=<unix> cas=<n> fetch=<yes|no> cls=<class> size=<bytes>`, LF
 * line ends), then `END`. The store is walked a slice at a time and each slice written as it comes,
 * waiting while the client is not reading, so a dump of a huge cache neither stalls a partition nor
 * holds more than a slice in memory. Expired and flushed items are left out, as memcached leaves them.
 *
 * Unlike memcached, the connection serves commands sent after the dump (memcached drops what was
 * pipelined behind it), and several dumps may run at once.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type { ClassSelection } from "../domain/OperatorRequest.js"
import type { ItemMetadata } from "../domain/Result.js"
import type { ScanFilter } from "../store/Scan.js"
import type { StoreShape } from "../store/Store.js"
import type { StreamCommand } from "./Stream.js"
import { uriencode } from "./Watchers.js"

const END = Buffer.from("END\r\n")

/** One item's line, as memcached's crawler writes it. */
export const metadumpLine = (item: ItemMetadata): string =>
  `key=${uriencode(item.key)} exp=${item.exptime === 0 ? -1 : item.exptime} la=${item.lastAccess} cas=${item.cas} ` +
  `fetch=${item.fetched ? "yes" : "no"} cls=${item.sizeClass} size=${item.size}\n`

const filterOf = (classes: ClassSelection): ScanFilter => classes._tag === "ClassList" ? { classes: classes.ids } : {}

/** The dump of the items in `classes` (all of them for `all` and `hash`). */
export const metadump = (store: StoreShape, classes: ClassSelection): StreamCommand => (io) =>
  Effect.gen(function*() {
    const scan = store.scan(filterOf(classes))
    for (;;) {
      const items = yield* scan.next
      if (items === undefined) break
      let text = ""
      for (const item of items) text += metadumpLine(item)
      yield* io.write(Buffer.from(text, "latin1"))
    }
    yield* io.write(END)
    return "continue" as const
  })
