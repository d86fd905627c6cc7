/**
 * Splitting a command line into words as a shell (or redis-cli) does: whitespace separates words,
 * double quotes group them and take escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\xHH`), single quotes
 * group them literally. A quoted word is remembered as quoted: it is always a value, never a number
 * that selects the raw protocol form.
 *
 * @module
 */

/** A word of the command line. */
export interface Token {
  /** As typed (escapes resolved), for command names and numbers. */
  readonly text: string
  /** Its bytes: typed characters in UTF-8, `\xHH` escapes as the byte HH (so binary can be typed). */
  readonly bytes: Buffer
  readonly quoted: boolean
}

/** The words of `line`, or an error message (an unterminated quote, a bad escape). */
export const tokenize = (line: string): ReadonlyArray<Token> | string => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++
    if (i >= line.length) break
    let text = ""
    const bytes: Array<Buffer> = []
    const add = (char: string, byte?: number) => {
      text += char
      bytes.push(byte === undefined ? Buffer.from(char, "utf8") : Buffer.of(byte))
    }
    let quoted = false
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = charAt(line, i)
      if (c !== "\"" && c !== "'") {
        add(c)
        i += c.length
        continue
      }
      quoted = true
      i++
      for (;;) {
        if (i >= line.length) return `unterminated ${c === "\"" ? "double" : "single"} quote`
        const d = charAt(line, i)
        i += d.length
        if (d === c) break
        if (d !== "\\" || c === "'") {
          add(d)
          continue
        }
        const escaped = unescape(line, i)
        if (typeof escaped === "string") return escaped
        add(String.fromCharCode(escaped.byte), escaped.byte)
        i = escaped.next
      }
    }
    tokens.push({ text, bytes: Buffer.concat(bytes), quoted })
  }
  return tokens
}

/** The character at `i`, a whole surrogate pair where there is one. */
const charAt = (line: string, i: number): string => String.fromCodePoint(line.codePointAt(i)!)

const simpleEscapes: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, "\"": 34, "\\": 92, "'": 39, "0": 0 }

/** The byte an escape starting at `at` (after the backslash) stands for. */
const unescape = (line: string, at: number): { readonly byte: number; readonly next: number } | string => {
  const c = line[at]
  if (c === undefined) return "a backslash at the end of the line"
  if (c === "x") {
    const hex = line.slice(at + 1, at + 3)
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return `bad escape \\x${hex}`
    return { byte: parseInt(hex, 16), next: at + 3 }
  }
  const byte = simpleEscapes[c]
  return byte === undefined ? `bad escape \\${c}` : { byte, next: at + 1 }
}

/** Whether a word is a plain unsigned decimal number (unquoted). */
export const isNumber = (token: Token | undefined): boolean =>
  token !== undefined && !token.quoted && /^\d+$/.test(token.text)
