/**
 * Scripted meta-protocol sessions for the differential test (test/e2e/differential.test.ts): each
 * runs against effcached and a real memcached 1.6.18, and the replies must be identical once CAS
 * uniques are numbered by first appearance and clock readings (t, l, exp=, la=) are allowed to differ
 * by a second (see `normaliseMeta` in test/support/wire.ts).
 *
 * Clock-dependent output is kept deterministic: TTLs are far from 0 and from each other, and no case
 * prints the TTL of an item whose expiry was just set into the past (memcached prints its own uptime
 * there; see docs/compatibility.md).
 *
 * Every case gets a unique key prefix `p`.
 */
import { keyOf, msLine, setLine } from "../support/commands.js"
import { Connection } from "../support/wire.js"
import { type DiffCase, randomSplit } from "./differential-cases.js"

/** A key's base64 form, as a client sends it with the b flag. */
const b64 = (key: string) => Buffer.from(key, "latin1").toString("base64")

const ms = msLine
const set = setLine

/** The CAS unique in a meta reply line (`c<n>`), or "0". */
const casIn = (reply: string): string => /(?:^|\s)c(\d+)/.exec(reply)?.[1] ?? "0"

/**
 * An interactive case: `talk` sends commands one at a time and reads their replies (so later commands
 * can use CAS uniques read back); `tell` sends without reading (quiet commands). The transcript is every
 * reply in order.
 */
const dialog = (
  script: (p: string, talk: (command: string) => Promise<string>, tell: (command: string) => void) => Promise<void>
) =>
async (port: number, p: string): Promise<string> => {
  const connection = await Connection.open(port)
  const transcript: Array<string> = []
  try {
    await script(
      p,
      async (command) => {
        const reply = await connection.request(command)
        transcript.push(reply)
        return reply
      },
      (command) => connection.send(command)
    )
    return transcript.join("")
  } finally {
    connection.close()
  }
}

const opaque31 = "O" + "x".repeat(31)
const opaque32 = "O" + "x".repeat(32)

/** A quiet pipeline of meta commands ended by mn, for the segmentation cases. */
const quietBatch = (p: string) =>
  ms(`${p}a`, "alpha", "q F3 T100") +
  ms(`${p}b`, "beta", "q MR") +
  `mg ${p}a v f q k O1\r\nmg ${p}b v q O2\r\nmg ${p}c v q O3\r\n` +
  `ma ${p}n N0 J10 q\r\nma ${p}n q D5\r\nma ${p}n v O4\r\nmd ${p}c q\r\nmd ${p}a q\r\nmg ${p}a q k\r\n` +
  ms(`${b64(p + "bin key")}`, "x y", "b q c") +
  `mg ${b64(p + "bin key")} b k v q\r\nme ${b64(p + "bin key")} b\r\nmn\r\n`

export const metaCases: ReadonlyArray<DiffCase> = [
  // ---------------------------------------------------------------- mg
  {
    name: "mg: hit and miss, VA and HD, fields in request order",
    script: (p) =>
      set(`${p}a`, "hello", 5) +
      `mg ${p}a\r\nmg ${p}a v\r\nmg ${p}a s v f\r\nmg ${p}a f v s\r\nmg ${p}a k c\r\nmg ${p}a c k s f t\r\n` +
      `mg ${p}m\r\nmg ${p}m v s t f c k h l\r\n`
  },
  {
    name: "mg: every return flag on a text-set item, and on one with a TTL",
    script: (p) =>
      set(`${p}a`, "v", 4294967295) + set(`${p}b`, "", 0, 1000) +
      `mg ${p}a s t c f h l k v O9\r\nmg ${p}a O9 v l h f c t s k\r\nmg ${p}b t v s\r\nmg ${p}b s t\r\n`
  },
  {
    name: "mg: flags with trailing characters act as the bare flag",
    script: (p) => `${set(`${p}a`, "xy", 2)}mg ${p}a vjunk sxx kyy fzz cab\r\nmg ${p}a v\xff\r\n`
  },
  {
    name: "mg: quiet hides only EN; errors are sent anyway",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}m q\r\nmg ${p}m v q k O1\r\nmg ${p}a q\r\nmg ${p}a v q k\r\nmg ${p}a q Z\r\nmg ${p}m q Tx\r\nmn\r\n`
  },
  {
    name: "mg: opaque echo, empty opaque, 31 and 32 characters",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a O\r\nmg ${p}a Oabc v\r\nmg ${p}a ${opaque31}\r\nmg ${p}a ${opaque32}\r\nmg ${p}m ${opaque31}\r\n` +
      `mg ${p}m ${opaque32}\r\nmg ${p}m q ${opaque32}\r\nmg ${p}m O5 k q\r\nmg ${p}m k O5\r\nmn\r\n`
  },
  {
    name: "mg: an over-long opaque fails after the flags before it took effect",
    script: (p) =>
      set(`${p}a`, "A", 0, 1000) +
      `mg ${p}a T500 ${opaque32}\r\nmg ${p}a t\r\nmg ${p}a ${opaque32} T200\r\nmg ${p}a t\r\n` +
      `mg ${p}n N300 ${opaque32}\r\nmg ${p}n t s c\r\nmg ${p}o ${opaque32} N300\r\nmg ${p}o t s\r\n`
  },
  {
    name: "mg: T sets the TTL in flag order, t shows it where it stands",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a t T100\r\nmg ${p}a t\r\nmg ${p}a T200 t\r\nmg ${p}a T0 t\r\nmg ${p}a T+300 t v\r\n` +
      `mg ${p}a T2592000 t\r\nmg ${p}a T-1\r\nmg ${p}a t\r\n`
  },
  {
    name: "mg: N vivifies an empty item and wins; others see Z",
    script: (p) =>
      `mg ${p}a N300 v c t s f k\r\nmg ${p}a N300 v c t s f\r\nmg ${p}a v c\r\nmg ${p}a h\r\n` +
      `mg ${p}b N0 t c\r\nmg ${p}b t c\r\nmg ${p}c N300 T600 t\r\nmg ${p}d T600 N300 t\r\n` +
      `mg ${p}e N300 q\r\nmg ${p}e N300 q\r\nmg ${p}e q k\r\nmg ${p}f N-1 s\r\nmg ${p}f s\r\nmn\r\n`
  },
  {
    name: "mg: R wins once when the TTL is below the token",
    script: (p) =>
      set(`${p}a`, "abc", 0, 100) + set(`${p}b`, "x") +
      `mg ${p}a R30 v t\r\nmg ${p}a R500 v t\r\nmg ${p}a R500 v t\r\nmg ${p}a v\r\nmg ${p}b R99999 t\r\n` +
      `mg ${p}a R0\r\nmg ${p}a R-1\r\n` + set(`${p}a`, "new", 0, 100) + `mg ${p}a R500 c\r\n`
  },
  {
    name: "mg: u leaves the item unfetched; h and l report it before this fetch",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a u h\r\nmg ${p}a u h l\r\nmg ${p}a h\r\nmg ${p}a h l\r\nmg ${p}m u h\r\n`
  },
  {
    name: "mg: h after text get, gets, gat, touch, incr, append and a replacing set",
    script: (p) =>
      [
        ["a", `get ${p}a\r\n`],
        ["b", `gets ${p}b\r\n`],
        ["c", `gat 0 ${p}c\r\n`],
        ["d", `touch ${p}d 0\r\n`],
        ["e", `incr ${p}e 1\r\n`],
        ["f", `append ${p}f 0 0 1\r\n1\r\n`]
      ]
        .map(([k, command]) => `${set(`${p}${k}`, "1")}${command}mg ${p}${k} h\r\nmg ${p}${k} h\r\n`)
        .join("") +
      `get ${p}a\r\n${set(`${p}a`, "2")}mg ${p}a h\r\n` +
      `${set(`${p}g`, "10")}get ${p}g\r\nincr ${p}g 1\r\nmg ${p}g h\r\n` +
      `${set(`${p}h`, "99")}get ${p}h\r\nincr ${p}h 1\r\nmg ${p}h h\r\n`
  },
  {
    name: "mg: tokens of flags mg does not use are checked, then ignored",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a F5 C7 J1 D2 MZ I P L\r\nmg ${p}a Fx\r\nmg ${p}a C-1\r\nmg ${p}a J\r\nmg ${p}a D-1\r\nmg ${p}a M\r\n` +
      `mg ${p}a MAB\r\nmg ${p}a N\r\nmg ${p}a Rx\r\nmg ${p}a T1.5\r\nmg ${p}a F4294967296 v\r\n`
  },
  {
    name: "mg: flag errors, first and last",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a x\r\nmg ${p}a E5\r\nmg ${p}a S\r\nmg ${p}a W\r\nmg ${p}a 1\r\nmg ${p}a +\r\nmg ${p}a v v\r\n` +
      `mg ${p}a v vjunk\r\nmg ${p}a \xff\r\nmg ${p}a \x7f\r\nmg ${p}a Tx Dx\r\nmg ${p}a Dx Tx\r\nmg ${p}a Tx Fx\r\n` +
      `mg ${p}a Fx\r\nmg ${p}a Fx Jx\r\nmg ${p}a Tx x\r\nmg ${p}a Tx v v\r\nmg ${p}a Jx\r\nmg Zm8 b\r\n` +
      `mg Zm8 b Tx\r\nmg Zm8 Tx b\r\nmg Zm8 b Fx\r\nmg ${p}a M T\r\n`
  },
  {
    name: "mg: token limits, key length and bare mg",
    script: (p) =>
      set(`${p}a`, "A") +
      `mg ${p}a${" s".repeat(16)} v\r\nmg ${p}a${" s".repeat(17)} v\r\nmg ${p}a${" s".repeat(30)}\r\n` +
      `mg ${p}a v c f t k s h l O1 q u P L I F1 C1\r\nmg ${p}a v c f t k s h l O1 q u P L I F1 C1 J1\r\n` +
      `mg ${p}a v c f t k s h l O1 q u P L I F1 C1 J1 D1\r\n` +
      `mg ${keyOf(p, 250)} v\r\nmg ${keyOf(p, 251)} v\r\nmg ${keyOf(p, 251)} Z\r\nmg\r\nmg \r\n`
  },
  // ---------------------------------------------------------------- ms
  {
    name: "ms: stores, with client flags and TTL; data lengths and empty values",
    script: (p) =>
      ms(`${p}a`, "hi") + ms(`${p}b`, "xyz", "F7 T1000") + ms(`${p}c`, "", "F4294967296") +
      `ms ${p}d +1\r\nd\r\nms ${p}e 01\r\ne\r\nms ${p}f 0\r\n\r\n` +
      `mg ${p}a v f t\r\nmg ${p}b v f t\r\nmg ${p}c v f s\r\nget ${p}d ${p}e ${p}f\r\n`
  },
  {
    name: "ms: returns O, k and c in request order and nothing else",
    script: (p) =>
      ms(`${p}a`, "1", "c k O9 s t f v h l") + ms(`${p}a`, "2", "O1 k") + ms(`${p}a`, "3", "k O2 c") +
      ms(`${p}a`, "4", "ME c k O3") + ms(`${p}m`, "5", "MR c O4") + ms(`${p}m`, "6", "MA k c")
  },
  {
    name: "ms: modes E, A, P, R, S and invalid modes",
    script: (p) =>
      ms(`${p}a`, "ab", "ME") + ms(`${p}a`, "cd", "ME") + ms(`${p}a`, "cd", "MA") + ms(`${p}a`, "01", "MP") +
      `mg ${p}a v\r\n` + ms(`${p}n`, "ab", "MA") + ms(`${p}n`, "ab", "MP") + ms(`${p}n`, "ab", "MR") +
      ms(`${p}a`, "r", "MR F3 T1000") + `mg ${p}a v f t\r\n` + ms(`${p}a`, "s", "MA F9 T5") + `mg ${p}a v f t\r\n` +
      ms(`${p}a`, "S", "MS") + `mg ${p}a v\r\n` + ms(`${p}a`, "x", "Ma") + ms(`${p}a`, "x", "Ms") +
      ms(`${p}a`, "x", "MI") + ms(`${p}a`, "x", "M+") + ms(`${p}a`, "x", "MS2") + ms(`${p}a`, "x", "M") +
      `mg ${p}a v\r\n`
  },
  {
    name: "ms: append and prepend keep flags and TTL, and stop at the item size limit",
    script: (p) =>
      ms(`${p}a`, "mid", "F5 T1000") + ms(`${p}a`, ">", "MA F1 T0") + ms(`${p}a`, "<", "MP F2") +
      `mg ${p}a v f t\r\n` + ms(`${p}b`, "x".repeat(1048000)) + ms(`${p}b`, "y".repeat(1000), "MA") + `mg ${p}b s\r\n`
  },
  {
    name: "ms: C compares the CAS unique in every mode",
    run: dialog(async (p, talk) => {
      const cas = casIn(await talk(ms(`${p}a`, "a", "c")))
      await talk(ms(`${p}a`, "b", `C${BigInt(cas) + 1n}`))
      const next = casIn(await talk(ms(`${p}a`, "b", `C${cas} c`)))
      const appended = casIn(await talk(ms(`${p}a`, "x", `C${next} MA c`)))
      await talk(ms(`${p}a`, "y", `C${next} MA`))
      await talk(ms(`${p}a`, "y", `C${next} MP`))
      await talk(ms(`${p}a`, "y", `C${next} ME`))
      await talk(ms(`${p}a`, "y", `C${appended} MR c`))
      await talk(ms(`${p}x`, "y", "C5 ME c"))
      await talk(ms(`${p}y`, "y", "C5"))
      await talk(ms(`${p}y`, "y", "C5 MR"))
      await talk(ms(`${p}y`, "y", "C5 MA"))
      await talk(ms(`${p}a`, "z", "C0"))
      await talk(ms(`${p}a`, "z", "C0 MA"))
      await talk(`mg ${p}a v c\r\n`)
      await talk(`mg ${p}x v c\r\n`)
    })
  },
  {
    name: "ms: quiet hides HD only; errors and failures are sent",
    script: (p) =>
      ms(`${p}a`, "1", "q") + ms(`${p}a`, "1", "q MS") + ms(`${p}a`, "1", "q ME") + ms(`${p}m`, "1", "q MR") +
      ms(`${p}m`, "1", "q C1") + ms(`${p}a`, "1", "q C1") + ms(`${p}a`, "1", "q Z") + ms("Zm8", "1", "b q") +
      `ms ${p}a 3 q\r\nabcXYmn\r\n` + `mg ${p}a v\r\nmn\r\n`
  },
  {
    name: "ms: errors after the length discard the data",
    script: (p) =>
      ms(`${p}a`, "zz", "Z") + ms(`${p}a`, "zz", "F5 F6") + ms(`${p}a`, "zz", "F-1") + ms(`${p}a`, "zz", "Tx") +
      ms(`${p}a`, "zz", "C-1") + ms(`${p}a`, "zz", "C18446744073709551616") + ms(`${p}a`, "zz", "MX") +
      ms(`${p}a`, "zz", "M") + ms("Zm8", "zz", "b") + ms(`${p}a`, "zz", "Ox Ox") + ms(`${p}a`, "zz", opaque32) +
      ms(`${p}a`, "zz", `${opaque32} MX`) + ms(`${p}a`, "zz", `MX ${opaque32}`) + ms(`${p}a`, "zz", "Jx Tx") +
      ms(`${p}a`, "zz", opaque31) + `mg ${p}a v\r\n`
  },
  {
    name: "ms: errors before the length leave the data to be read as a command",
    script: (p) =>
      `ms\r\nms ${p}a\r\nzz\r\nms ${p}a x\r\nzz\r\nms ${p}a -1\r\nzz\r\nms ${p}a 1x\r\nzz\r\n` +
      `ms ${p}a 2147483646\r\n` + ms(keyOf(p, 251), "zz") +
      `ms ${p}a 2${" s".repeat(17)}\r\nzz\r\nms ${p}a 2${" s".repeat(16)}\r\nzz\r\n` +
      `ms ${p}a x Z\r\nzz\r\nmg ${p}a v\r\n`
  },
  {
    name: "ms: too large for the cache, in any mode, removes the old item",
    script: (p) => {
      const big = "x".repeat(2_000_000)
      return (
        ms(`${p}a`, "old") + ms(`${p}b`, "old") + ms(`${p}c`, "old") +
        ms(`${p}a`, big) + ms(`${p}b`, big, "ME") + ms(`${p}c`, big, "q MA") + ms(`${p}d`, big, "Z") +
        `mg ${p}a v\r\nmg ${p}b v\r\nmg ${p}c v\r\nmn\r\n`
      )
    }
  },
  {
    name: "ms: bad data chunk, also in quiet mode",
    script: (p) => `ms ${p}a 3\r\nabcde\r\nms ${p}a 3 q\r\nabcde\r\nmg ${p}a v\r\nms ${p}a 1 q\r\nxyget ${p}a\r\n`
  },
  {
    name: "ms: item size boundary (with and without client flags)",
    script: (p) => {
      const max0 = 1048576 - 59 - (p.length + 1)
      const value = (n: number) => "v".repeat(n)
      return ms(`${p}a`, value(max0)) + ms(`${p}b`, value(max0 + 1)) + ms(`${p}c`, value(max0 - 4), "F5") +
        ms(`${p}d`, value(max0 - 3), "F5") + `mg ${p}a s\r\nmg ${p}b s\r\nmg ${p}c s\r\nmg ${p}d s\r\n`
    }
  },
  // ---------------------------------------------------------------- md
  {
    name: "md: delete, miss, quiet, k and O echo",
    script: (p) =>
      set(`${p}a`, "A") + set(`${p}b`, "B") +
      `md ${p}a\r\nmd ${p}a\r\nmd ${p}b k O5 q\r\nmd ${p}b q\r\nmd ${p}m k O6\r\nmd ${p}b v s t f c h l\r\n` +
      `get ${p}a ${p}b\r\nmn\r\n`
  },
  {
    name: "md: C compares the CAS unique",
    run: dialog(async (p, talk) => {
      const cas = casIn(await talk(ms(`${p}a`, "a", "c")))
      await talk(`md ${p}a C${BigInt(cas) + 1n} k\r\n`)
      await talk(`md ${p}a C0\r\n`)
      await talk(`mg ${p}a c\r\n`)
      await talk(`md ${p}a C${cas} q k\r\nmn\r\n`)
      await talk(`mg ${p}a\r\n`)
      await talk(`md ${p}m C5\r\n`)
    })
  },
  {
    name: "md: I marks stale with a new CAS; the next mg wins, later ones see Z",
    script: (p) =>
      ms(`${p}a`, "v1", "T1000 c") +
      `md ${p}a I T300\r\nmg ${p}a v c t\r\nmg ${p}a v c t\r\nmg ${p}a c h\r\nmd ${p}a I\r\nmg ${p}a h c t\r\n` +
      `mg ${p}a h c\r\nmd ${p}a I q\r\nmg ${p}a c\r\nmd ${p}a T300\r\nmg ${p}a\r\n` +
      ms(`${p}b`, "v", "T1000") + `md ${p}b I T-1\r\nmg ${p}b\r\nmd ${p}m I\r\nmn\r\n`
  },
  {
    name: "md: every flag error reads 'invalid or duplicate flag'; opaque too long",
    script: (p) =>
      set(`${p}a`, "A") +
      `md ${p}a x\r\nmd ${p}a I I\r\nmd ${p}a Tx\r\nmd ${p}a Cx\r\nmd Zm8 b\r\nmd ${p}a M\r\nmd ${p}a Fx\r\n` +
      `md ${p}a ${opaque32}\r\nmd ${p}a ${opaque32} q\r\nmd ${p}a MZ F1 J1 D1 N1 R1\r\nmd\r\nmd ${keyOf(p, 251)}\r\n` +
      `md ${p}a${" s".repeat(17)}\r\n`
  },
  // ---------------------------------------------------------------- ma
  {
    name: "ma: miss, vivify, value, delta, modes, wrap and clamp",
    script: (p) =>
      `ma ${p}n\r\nma ${p}n q\r\nma ${p}n N0\r\nma ${p}n v\r\nma ${p}n v D5 c t\r\nma ${p}n v MD D3\r\n` +
      `ma ${p}n v M- D100\r\nma ${p}n v M+ D18446744073709551615\r\nma ${p}n MI q\r\nmg ${p}n v\r\n` +
      `ma ${p}o N300 J42 v t c k O7\r\nma ${p}p N0 J42 MD v\r\nma ${p}q J42 v\r\nma ${p}r N0 J18446744073709551615 v\r\n` +
      `ma ${p}r v\r\nmn\r\n`
  },
  {
    name: "ma: quiet hides HD and VA but not NF, EX or a new counter",
    script: (p) =>
      `ma ${p}a N0 q\r\nma ${p}a q\r\nma ${p}a q v\r\nma ${p}m q\r\nma ${p}a q C1\r\nma ${p}b N0 q v k\r\n` +
      `mg ${p}a v\r\nmn\r\n`
  },
  {
    name: "ma: C compares the CAS unique (C0 does not)",
    run: dialog(async (p, talk) => {
      const cas = casIn(await talk(ms(`${p}a`, "5", "c")))
      await talk(`ma ${p}a C${BigInt(cas) + 1n} v\r\n`)
      const next = casIn(await talk(`ma ${p}a C${cas} v c\r\n`))
      await talk(`ma ${p}a C0 v c\r\n`)
      await talk(`ma ${p}a C${next} v c\r\n`)
      await talk(`ma ${p}m C5\r\n`)
    })
  },
  {
    name: "ma: non-numeric values; an empty value fails before the CAS check",
    script: (p) =>
      set(`${p}a`, "x") + set(`${p}b`, "") + set(`${p}c`, "-5") + set(`${p}d`, " 7") +
      `ma ${p}a\r\nma ${p}a C1\r\nma ${p}b C1\r\nma ${p}c v\r\nma ${p}d v\r\nmg ${p}d v\r\n`
  },
  {
    // One command at a time: memcached rewrites a counter in place only when no reply waiting to be
    // sent holds the item, which an mg earlier in the same pipeline does (docs/compatibility.md).
    name: "ma: t and T in flag order; T on a counter that grows does not stick",
    run: dialog(async (p, talk) => {
      for (
        const command of [
          set(`${p}a`, "10", 0, 1000),
          `ma ${p}a T300 t v\r\n`,
          `mg ${p}a t v\r\n`,
          `ma ${p}a t T500 c\r\n`,
          `mg ${p}a t c\r\n`,
          set(`${p}b`, "9", 0, 1000),
          `ma ${p}b T300 t v\r\n`,
          `mg ${p}b t v\r\n`,
          `ma ${p}b T300 t v\r\n`,
          `mg ${p}b t v\r\n`,
          `ma ${p}c T300 N0 v t\r\n`,
          `mg ${p}c t\r\n`,
          `ma ${p}d N0 T300 v t\r\n`,
          `mg ${p}d t\r\n`
        ]
      ) await talk(command)
    })
  },
  {
    name: "ma: in-place counters keep the fetched bit, grown ones lose it",
    script: (p) =>
      set(`${p}a`, "10") + set(`${p}b`, "99") +
      `get ${p}a ${p}b\r\nma ${p}a\r\nma ${p}b\r\nmg ${p}a h v\r\nmg ${p}b h v\r\n`
  },
  {
    name: "ma: flag errors, invalid mode, opaque too long after the update",
    script: (p) =>
      set(`${p}a`, "9") +
      `ma ${p}a Dabc\r\nma ${p}a D\r\nma ${p}a J-1\r\nma ${p}a MX\r\nma ${p}a Mx\r\nma ${p}a MI MD\r\nma ${p}a Z\r\n` +
      `ma ${p}a MS\r\nma ${p}a ${opaque32}\r\nmg ${p}a v\r\nma ${p}m ${opaque32}\r\nma ${p}m N0 ${opaque32}\r\nmg ${p}m v\r\n` +
      `ma\r\nma ${keyOf(p, 251)}\r\nma ${p}a${" s".repeat(17)}\r\n`
  },
  // ---------------------------------------------------------------- me, mn
  {
    name: "me: miss, hit, fetched bit, slab class and size at their boundaries",
    script: (p) =>
      `me ${p}a\r\n` + set(`${p}a`, "abc", 5) + `me ${p}a\r\nme ${p}a junk more\r\nget ${p}a\r\nme ${p}a\r\n` +
      set(`${p}b`, "v", 0, 1000) + `me ${p}b\r\n` +
      // Item sizes 96 and 97 (classes 1 and 2), 394840 and 394841 (38 and 39), 524289 (chunked).
      [96, 97, 394840, 394841, 524289].map((size) => ms(`${p}c`, "x".repeat(size - 59 - p.length - 1)) + `me ${p}c\r\n`)
        .join("") +
      ms(`${p}e`, "x".repeat(1000000), "F1") + `me ${p}e\r\n` + `me ${p}e x y z ${"w ".repeat(30)}\r\n`
  },
  {
    name: "me: base64 keys and errors",
    script: (p) =>
      ms(b64(`${p}bin\x00key`), "x", "b") + set(`${p}a`, "A") +
      `me ${b64(`${p}bin\x00key`)} b\r\nme ${b64(`${p}a`)} b\r\nme ${b64(`${p}a`)}\r\nme Zm8 b\r\nme ${b64(p)}= b\r\n` +
      `me\r\nme ${keyOf(p, 251)}\r\nme ${keyOf(p, 250)}\r\n`
  },
  {
    name: "mn: MN, extra tokens ignored, and unknown m commands",
    script: (p) => `mn\r\nmn extra tokens\r\nmx\r\nmx ${p} HTTP/1.1\r\nmgx ${p}\r\nMG ${p}\r\nm\r\nmn\r\n`
  },
  // ---------------------------------------------------------------- base64 keys
  {
    name: "base64 keys: k returns the key base64-encoded where the item was stored through one",
    script: (p) =>
      ms(b64(`${p}a`), "1", "b k c") + `mg ${p}a k v\r\nmg ${b64(`${p}a`)} b k\r\nget ${p}a\r\n` +
      set(`${p}b`, "2") + `mg ${b64(`${p}b`)} b k v\r\nmg ${b64(`${p}m`)} b k\r\nmd ${b64(`${p}m`)} b k O1\r\n` +
      `ma ${b64(`${p}n`)} b N0 k v\r\nmg ${p}n k\r\nmg ${b64(`${p}n`)} b k\r\nmg ${
        b64(`${p}v`)
      } b N0 k\r\nmg ${p}v k\r\n` +
      ms(b64(`${p}a`), "2", "b MA k") + `mg ${p}a k v\r\n`
  },
  {
    name: "base64 keys: binary bytes, skipped characters, padding, canonical form",
    script: (p) =>
      ms(b64(`${p} \r\n\x00\xff`), "bin", "b") + `mg ${b64(`${p} \r\n\x00\xff`)} b v k\r\n` +
      ["Zm9v", "Zm9v==", "Zm9v=", "Z!m9v", "Zm8", "Zm9=", "====", "A===", "AA==", "Z=9vZm9v", "Zm9v=AAA", "Zm9vZm9v"]
        .map((token) => `mg ${token} b k\r\n`)
        .join("")
  },
  // ---------------------------------------------------------------- mixing with the text protocol
  {
    name: "text and meta commands see the same items and CAS uniques",
    run: dialog(async (p, talk) => {
      await talk(set(`${p}a`, "text", 3))
      const cas = casIn(await talk(`mg ${p}a v f c\r\n`))
      const gets = await talk(`gets ${p}a\r\n`)
      await talk(`cas ${p}a 4 0 4 ${cas}\r\nmeta\r\n`)
      await talk(`get ${p}a\r\n`)
      await talk(ms(`${p}b`, "5", "F9"))
      await talk(`incr ${p}b 10\r\n`)
      await talk(`mg ${p}b v f\r\n`)
      await talk(`append ${p}b 0 0 1\r\n!\r\n`)
      await talk(`ma ${p}b\r\n`)
      await talk(`gets ${p}b\r\n`)
      const unique = /^VALUE \S+ \d+ \d+ (\d+)\r$/m.exec(gets)?.[1] ?? "0"
      await talk(ms(`${p}a`, "x", `C${unique}`))
      await talk(`delete ${p}b\r\n`)
      await talk(`mg ${p}b\r\n`)
      await talk(`touch ${p}a 1000\r\n`)
      await talk(`mg ${p}a t\r\n`)
      await talk(`flush_all\r\n`)
      await talk(`mg ${p}a\r\n`)
    })
  },
  {
    name: "stale-while-revalidate: md I, mg X W, mg Z X, ms I with an older CAS, then a fresh set",
    run: dialog(async (p, talk) => {
      await talk(ms(`${p}w`, "v1", "T1000 c"))
      await talk(`md ${p}w I T300\r\n`)
      const stale = casIn(await talk(`mg ${p}w v c t\r\n`))
      await talk(`mg ${p}w v c t\r\n`)
      await talk(ms(`${p}w`, "v2", `I C${BigInt(stale) - 1n} c`))
      const current = casIn(await talk(`mg ${p}w v c t\r\n`))
      await talk(ms(`${p}w`, "v3", `I C${BigInt(current) + 100n}`))
      await talk(ms(`${p}w`, "v3", `I C${current} c`))
      await talk(`mg ${p}w v c t\r\n`)
      await talk(`md ${p}w I q\r\nmg ${p}w c\r\n`)
      const last = casIn(await talk(`mg ${p}w c\r\n`))
      await talk(ms(`${p}w`, "v4", `C${last} I`))
      await talk(`mg ${p}w v c\r\n`)
    })
  },
  {
    name: "quiet pipeline ended by mn, in one write",
    script: (p) => quietBatch(p)
  },
  {
    // memcached looks the keys of a get line up one by one and fails at the bad one: those before it
    // are touched, fetched and counted, though their replies are dropped. One command at a time, so
    // memcached's dropping of other replies owed (a documented difference) does not come into it.
    name: "too-long key inside gat/gats/get: the keys before it are touched and fetched",
    run: dialog(async (p, talk) => {
      for (const key of ["a", "b", "c"]) await talk(set(`${p}${key}`, key))
      await talk(`gat 100 ${p}a ${keyOf(p, 251)} ${p}b\r\n`)
      await talk(`gats 200 ${p}b ${p}missing ${keyOf(p, 251)}\r\n`)
      await talk(`get ${p}c ${keyOf(p, 251)}\r\n`)
      await talk(`gat 300 ${keyOf(p, 251)} ${p}c\r\n`)
      for (const key of ["a", "b", "c"]) await talk(`mg ${p}${key} t h\r\n`)
    })
  },
  {
    // Found by the fuzzer: memcached marks the item fetched when it looks it up, before the flags fail.
    name: "mg with an opaque too long still fetches the item (u does not)",
    script: (p) =>
      ms(`${p}a`, "1") + ms(`${p}b`, "2") + `mg ${p}a v ${opaque32}\r\nme ${p}a\r\n` +
      `mg ${p}b u v ${opaque32}\r\nme ${p}b\r\n`
  },
  { name: "quiet pipeline in 1-byte writes", script: (p) => quietBatch(p).split(""), gapMs: 0 },
  { name: "quiet pipeline in random-sized writes", script: (p) => randomSplit(quietBatch(p), 3, 9), gapMs: 0 },
  {
    name: "many pipelined meta commands in one write",
    script: (p) =>
      Array.from(
        { length: 150 },
        (_, i) =>
          ms(`${p}${i}`, String(i), `F${i} c O${i}`) + `ma ${p}${i} D7 v\r\nmg ${p}${i} v f k\r\n` +
          (i % 3 === 0 ? `md ${p}${i} q\r\n` : "") + (i % 5 === 0 ? `mg ${p}${i - 1} q v\r\n` : "") +
          (i % 7 === 0 ? "mn\r\n" : "")
      ).join("") + "mn\r\n"
  }
]
