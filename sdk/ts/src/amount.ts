// Amounts (docs/formats.md section 7): unsigned 64-bit base units, 1 BFDT = 10^8 units.

import { toU64, type U64 } from "./bytes.js";

/** Base units in one BFDT. */
export const UNITS_PER_BFDT = 100_000_000n;

/**
 * Base units of amount text: `12`, `12.5`, `0.00000001` (BFDT, at most 8 decimals, exact) or
 * `1500u` (base units). Anything else throws (bad_amount).
 */
export function parseAmount(text: string): bigint {
  const bad = () => new RangeError(`bad_amount: '${text}' is not an amount with at most 8 decimals`);
  let units: bigint;
  const u = /^([0-9]+)u$/.exec(text);
  if (u) {
    units = BigInt(u[1]!);
  } else {
    const m = /^([0-9]+)(?:\.([0-9]{1,8}))?$/.exec(text);
    if (!m) throw bad();
    units = BigInt(m[1]!) * UNITS_PER_BFDT + BigInt((m[2] ?? "").padEnd(8, "0") || "0");
  }
  if (units > (1n << 64n) - 1n) throw bad();
  return units;
}

/** BFDT text without trailing zeros: 150000000 units is `1.5`, 10000 is `0.0001`, 100000000 is `1`. */
export function formatAmount(units: U64): string {
  const v = toU64(units, "amount");
  const whole = v / UNITS_PER_BFDT;
  const frac = (v % UNITS_PER_BFDT).toString().padStart(8, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** An amount given as base units (number or bigint) or as amount text (`"1.5"`, `"1500u"`). */
export type AmountLike = U64 | string;

/** Base units of an AmountLike. */
export function units(a: AmountLike): bigint {
  return typeof a === "string" ? parseAmount(a) : toU64(a, "amount");
}
