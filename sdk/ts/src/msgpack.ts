// Canonical msgpack (docs/formats.md section 1): unsigned integers, arrays and bin only, each in
// its smallest form. The encoder writes exactly that; the decoder bounds size, items and nesting
// before allocating and accepts only what the encoder would write.

import { bytesEqual, concatBytes, toU64, type U64 } from "./bytes.js";

/** A canonical msgpack value: an unsigned integer, bytes (`bin`) or an array of values. */
export type MsgValue = U64 | Uint8Array | MsgValue[];

/** Errors of decoding, named as the node's reason codes (docs/formats.md section 12). */
export class DecodeError extends Error {
  constructor(
    readonly code: "malformed" | "non_canonical" | "trailing_bytes" | "too_deep" | "too_large" | "unsupported_version" | "unknown_kind",
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "DecodeError";
  }
}

function header(small: number, tag8: number | undefined, tag16: number, tag32: number, n: number): Uint8Array {
  if (small >= 0 && n <= 15) return Uint8Array.of(small | n);
  if (tag8 !== undefined && n <= 0xff) return Uint8Array.of(tag8, n);
  if (n <= 0xffff) return Uint8Array.of(tag16, n >> 8, n & 0xff);
  const b = new Uint8Array(5);
  b[0] = tag32;
  new DataView(b.buffer).setUint32(1, n);
  return b;
}

function encodeUint(v: bigint): Uint8Array {
  if (v <= 0x7fn) return Uint8Array.of(Number(v));
  if (v <= 0xffn) return Uint8Array.of(0xcc, Number(v));
  if (v <= 0xffffn) return Uint8Array.of(0xcd, Number(v >> 8n), Number(v & 0xffn));
  const big = v > 0xffffffffn;
  const b = new Uint8Array(big ? 9 : 5);
  const dv = new DataView(b.buffer);
  if (big) {
    b[0] = 0xcf;
    dv.setBigUint64(1, v);
  } else {
    b[0] = 0xce;
    dv.setUint32(1, Number(v));
  }
  return b;
}

function encodeInto(v: MsgValue, out: Uint8Array[]): void {
  if (v instanceof Uint8Array) {
    out.push(header(-1, 0xc4, 0xc5, 0xc6, v.length), v);
  } else if (Array.isArray(v)) {
    out.push(header(0x90, undefined, 0xdc, 0xdd, v.length));
    for (const item of v) encodeInto(item, out);
  } else {
    out.push(encodeUint(toU64(v, "msgpack integer")));
  }
}

/** The canonical encoding of a value. */
export function encode(v: MsgValue): Uint8Array {
  const out: Uint8Array[] = [];
  encodeInto(v, out);
  return concatBytes(...out);
}

/** The bounds of a decode: whole input, items in one array, nesting (outermost array = 1). */
export interface DecodeBounds {
  maxBytes: number;
  maxItems: number;
  maxDepth: number;
}

/** A transaction's bounds (docs/formats.md section 1): 132 KiB, 1,024 items, depth 4. */
export const TRANSACTION_BOUNDS: DecodeBounds = { maxBytes: 135168, maxItems: 1024, maxDepth: 4 };

/**
 * Decodes one canonical value with bounds: too_large before parsing, then malformed,
 * trailing_bytes, too_deep, and non_canonical for any other encoding of the same value.
 * Integers come back as bigint.
 */
export function decode(bytes: Uint8Array, bounds: DecodeBounds): MsgValue {
  if (bytes.length > bounds.maxBytes) throw new DecodeError("too_large", `${bytes.length} bytes over ${bounds.maxBytes}`);
  if (bytes.length === 0) throw new DecodeError("malformed", "empty input");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new DecodeError("malformed", "input ends inside a value");
  };
  const read = (depth: number): MsgValue => {
    need(1);
    const t = bytes[at++]!;
    if (t <= 0x7f) return BigInt(t);
    if (t >= 0x90 && t <= 0x9f) return readArray(t & 0x0f, depth);
    switch (t) {
      case 0xcc: need(1); return BigInt(bytes[at++]!);
      case 0xcd: need(2); at += 2; return BigInt(dv.getUint16(at - 2));
      case 0xce: need(4); at += 4; return BigInt(dv.getUint32(at - 4));
      case 0xcf: need(8); at += 8; return dv.getBigUint64(at - 8);
      case 0xc4: need(1); return readBin(bytes[at++]!);
      case 0xc5: need(2); at += 2; return readBin(dv.getUint16(at - 2));
      case 0xc6: need(4); at += 4; return readBin(dv.getUint32(at - 4));
      case 0xdc: need(2); at += 2; return readArray(dv.getUint16(at - 2), depth);
      case 0xdd: need(4); at += 4; return readArray(dv.getUint32(at - 4), depth);
      default: throw new DecodeError("malformed", `type byte 0x${t.toString(16)} is not part of canonical msgpack`);
    }
  };
  const readBin = (n: number): Uint8Array => {
    need(n);
    at += n;
    return bytes.slice(at - n, at);
  };
  const readArray = (n: number, depth: number): MsgValue[] => {
    if (depth + 1 > bounds.maxDepth) throw new DecodeError("too_deep", `arrays nested deeper than ${bounds.maxDepth}`);
    if (n > bounds.maxItems) throw new DecodeError("too_large", `an array of ${n} items over ${bounds.maxItems}`);
    if (n > bytes.length - at) throw new DecodeError("malformed", "input ends inside an array");
    const items: MsgValue[] = [];
    for (let i = 0; i < n; i++) items.push(read(depth + 1));
    return items;
  };
  const value = read(0);
  if (at !== bytes.length) throw new DecodeError("trailing_bytes", `${bytes.length - at} bytes after the value`);
  if (!bytesEqual(encode(value), bytes)) throw new DecodeError("non_canonical", "not the canonical encoding of its value");
  return value;
}
