// Byte helpers: hex text (lower case, as the node writes it), concatenation, big-endian integers.

/** An unsigned 64-bit integer as the SDK takes it: a safe JS integer or a bigint. */
export type U64 = number | bigint;

const MAX_U64 = (1n << 64n) - 1n;

/** Checks `v` is an integer in [0, max] and returns it as a bigint; throws RangeError otherwise. */
export function toU64(v: U64, what = "value", max: bigint = MAX_U64): bigint {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${what}: ${v} is not a safe integer (use a bigint)`);
    v = BigInt(v);
  }
  if (typeof v !== "bigint") throw new TypeError(`${what}: not an integer`);
  if (v < 0n || v > max) throw new RangeError(`${what}: ${v} is outside 0..${max}`);
  return v;
}

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of even-length hex text (either case; no `0x`, no spaces). `size` checks the length in bytes. */
export function fromHex(text: string, size?: number, what = "hex"): Uint8Array {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text))
    throw new TypeError(`${what}: not even-length hexadecimal`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  if (size !== undefined && out.length !== size)
    throw new TypeError(`${what}: ${out.length} bytes, expected ${size}`);
  return out;
}

/** The concatenation of byte strings. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `x` as 4 bytes big-endian (be32). */
export function be32(x: U64): Uint8Array {
  const v = toU64(x, "be32", 0xffffffffn);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Number(v));
  return out;
}

/** `x` as 8 bytes big-endian (be64). */
export function be64(x: U64): Uint8Array {
  const v = toU64(x, "be64");
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

/** Whether two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The UTF-8 bytes of text (names, symbols and other texts travel as msgpack `bin`). */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Bytes given as a Uint8Array or as hex text. */
export type BytesLike = Uint8Array | string;

/** Bytes of a Uint8Array or hex text, checking the size when given. */
export function bytesOf(b: BytesLike, size?: number, what = "bytes"): Uint8Array {
  const out = typeof b === "string" ? fromHex(b, undefined, what) : b;
  if (!(out instanceof Uint8Array)) throw new TypeError(`${what}: expected bytes or hex`);
  if (size !== undefined && out.length !== size) throw new TypeError(`${what}: ${out.length} bytes, expected ${size}`);
  return out;
}
