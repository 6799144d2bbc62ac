// Keys, signatures and addresses (docs/formats.md section 3) and the key file bfd-cli writes
// (section 8): BIP340 Schnorr over secp256k1, 32-byte x-only public keys, addresses `bfd` + 40 hex.

import { schnorr } from "@noble/curves/secp256k1";
import { randomBytes } from "@noble/hashes/utils";
import { bytesOf, fromHex, toHex, type BytesLike } from "./bytes.js";
import { taggedHash } from "./hash.js";

/** The curve order n: a secret key is a scalar in [1, n-1]. */
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The 20-byte address of a 32-byte x-only public key: tagged_hash("bfd/address", key)[0..20]. */
export function addressBytesOf(publicKey: BytesLike): Uint8Array {
  return taggedHash("bfd/address", bytesOf(publicKey, 32, "public key")).slice(0, 20);
}

/** An address as text: `bfd` + 40 lower-case hex characters. */
export function formatAddress(address: Uint8Array): string {
  if (address.length !== 20) throw new TypeError(`an address is 20 bytes, not ${address.length}`);
  return "bfd" + toHex(address);
}

/** The 20 bytes of `bfd` + 40 hex characters (either case); anything else throws (bad_address). */
export function parseAddress(text: string): Uint8Array {
  if (typeof text !== "string" || !/^bfd[0-9a-fA-F]{40}$/.test(text))
    throw new TypeError(`bad_address: '${text}' is not bfd followed by 40 hex characters`);
  return fromHex(text.slice(3));
}

/** An address given as text or as its 20 bytes. */
export type AddressLike = string | Uint8Array;

/** The 20 bytes of an address given as text or bytes. */
export function addressBytes(a: AddressLike): Uint8Array {
  return typeof a === "string" ? parseAddress(a) : bytesOf(a, 20, "address");
}

/** The text address of a public key. */
export function addressOf(publicKey: BytesLike): string {
  return formatAddress(addressBytesOf(publicKey));
}

/** BIP340 verification of a 64-byte signature over a 32-byte message. */
export function verify(signature: BytesLike, message: BytesLike, publicKey: BytesLike): boolean {
  try {
    return schnorr.verify(bytesOf(signature, 64), bytesOf(message, 32), bytesOf(publicKey, 32));
  } catch {
    return false;
  }
}

/** A secret key with its public key and address. */
export class KeyPair {
  /** The 32-byte x-only public key. */
  readonly publicKey: Uint8Array;
  /** The address, `bfd` + 40 hex. */
  readonly address: string;
  readonly #secret: Uint8Array;

  /** A key from its 32-byte secret (bytes or 64 hex); zero and values >= n throw (bad_secret_key). */
  constructor(secret: BytesLike) {
    const s = bytesOf(secret, 32, "secret key");
    const v = BigInt("0x" + toHex(s));
    if (v === 0n || v >= CURVE_ORDER) throw new RangeError("bad_secret_key: not a scalar in [1, n-1]");
    this.#secret = Uint8Array.from(s);
    this.publicKey = schnorr.getPublicKey(this.#secret);
    this.address = addressOf(this.publicKey);
  }

  /** A new key from the system's random source. */
  static generate(): KeyPair {
    for (;;) {
      try {
        return new KeyPair(randomBytes(32));
      } catch {
        // a random 32 bytes at or above n: astronomically rare, draw again
      }
    }
  }

  /** The public key as 64 hex. */
  get publicKeyHex(): string {
    return toHex(this.publicKey);
  }

  /** The secret as 64 hex (what a key file holds). */
  secretHex(): string {
    return toHex(this.#secret);
  }

  /**
   * BIP340 signature of a 32-byte message. `aux` is the 32 bytes of auxiliary randomness: random
   * by default; 32 zero bytes make signing deterministic (the docs' worked examples).
   */
  sign(message: BytesLike, aux?: BytesLike): Uint8Array {
    const a = aux === undefined ? randomBytes(32) : bytesOf(aux, 32, "aux");
    return schnorr.sign(bytesOf(message, 32, "message"), this.#secret, a);
  }

  /** The key file JSON of docs/formats.md section 8, exactly as bfd-cli writes it. */
  toKeyFile(): string {
    return (
      JSON.stringify(
        { format: "bfd-key-1", secret_key: this.secretHex(), public_key: this.publicKeyHex, address: this.address },
        null,
        2,
      ) + "\n"
    );
  }

  /**
   * A key from key file text: `format` must be bfd-key-1, `secret_key` 32 bytes of hex holding a
   * valid secret, `public_key` and `address` exactly the ones derived from it; other members are ignored.
   */
  static fromKeyFile(text: string): KeyPair {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      throw new TypeError(`key file: not JSON (${(e as Error).message})`);
    }
    if (typeof j !== "object" || j === null) throw new TypeError("key file: not a JSON object");
    const o = j as Record<string, unknown>;
    if (o.format !== "bfd-key-1") throw new TypeError("key file: format is not bfd-key-1");
    if (typeof o.secret_key !== "string") throw new TypeError("key file: secret_key missing");
    const key = new KeyPair(fromHex(o.secret_key, 32, "secret_key"));
    if (o.public_key !== key.publicKeyHex) throw new TypeError("key file: public_key is not the secret's");
    if (o.address !== key.address) throw new TypeError("key file: address is not the secret's");
    return key;
  }
}
