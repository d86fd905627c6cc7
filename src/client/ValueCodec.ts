/**
 * How a typed view turns values into the bytes it stores and back, through a Schema: JSON text (the
 * default: any Schema whose encoded side JSON can carry), a string, or raw bytes.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** Encodes values of type `A` to bytes and decodes them back. */
export interface ValueCodec<A> {
  readonly encode: (value: A) => Effect.Effect<Uint8Array, ParseResult.ParseError>
  readonly decode: (bytes: Uint8Array) => Effect.Effect<A, ParseResult.ParseError>
}

/** Values stored as their Schema-encoded string, in UTF-8. */
export const string = <A>(schema: Schema.Schema<A, string>): ValueCodec<A> => {
  const encode = Schema.encode(schema)
  const decode = Schema.decode(schema)
  return {
    encode: (value) => Effect.map(encode(value), (text) => Buffer.from(text, "utf8")),
    decode: (bytes) => decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"))
  }
}

/** Values stored as the JSON of their Schema-encoded form (`Schema.parseJson`). */
export const json = <A, I>(schema: Schema.Schema<A, I>): ValueCodec<A> => string(Schema.parseJson(schema))

/** Values stored as the bytes their Schema encodes them to. */
export const bytes = <A>(schema: Schema.Schema<A, Uint8Array>): ValueCodec<A> => ({
  encode: Schema.encode(schema),
  decode: Schema.decode(schema)
})
