// Transactions (docs/formats.md section 4): the 8-item unsigned array, its signing hash (also the
// id), the 9-item signed array and the entry hash.

import { units, type AmountLike } from "./amount.js";
import { bytesOf, concatBytes, fromHex, toHex, toU64, type BytesLike, type U64 } from "./bytes.js";
import { taggedHash } from "./hash.js";
import { addressOf, KeyPair, verify } from "./keys.js";
import { encodePayload, kindInfo, type KindInfo, type KindName, type Payloads } from "./kinds.js";
import { decode, DecodeError, encode, TRANSACTION_BOUNDS, type MsgValue } from "./msgpack.js";
import { decodePayload } from "./payloads.js";

/** The encoding version of a transaction. */
export const TX_VERSION = 1;

/** The fields of a transaction before signing; `payload` is the kind's typed payload. */
export interface TxFields<K extends KindName = KindName> {
  chain: U64;
  kind: K;
  /** The sender's 32-byte x-only public key (bytes or hex). */
  sender: BytesLike;
  nonce: U64;
  fee: AmountLike;
  expiry: U64;
  payload: Payloads[K];
}

/** A transaction: its encodings, id and (once signed) signature. */
export class Transaction {
  /** The 8-item unsigned encoding. */
  readonly unsignedBytes: Uint8Array;
  /** The signing hash, which is also the id: tagged_hash("bfd/tx", unsigned encoding). */
  readonly idBytes: Uint8Array;
  /** The 64-byte signature, once signed. */
  signature?: Uint8Array;

  private constructor(
    readonly chain: bigint,
    readonly kind: KindInfo,
    readonly sender: Uint8Array,
    readonly nonce: bigint,
    readonly fee: bigint,
    readonly expiry: bigint,
    readonly payload: MsgValue,
  ) {
    this.unsignedBytes = encode([TX_VERSION, chain, kind.number, sender, nonce, fee, expiry, payload]);
    this.idBytes = taggedHash("bfd/tx", this.unsignedBytes);
  }

  /** A transaction of one kind from its fields (the payload typed by the kind). */
  static build<K extends KindName>(f: TxFields<K>): Transaction {
    const info = kindInfo(f.kind);
    if (!info) throw new RangeError(`unknown_kind: '${f.kind}'`);
    return new Transaction(
      toU64(f.chain, "chain", 0xffffffffn), info, bytesOf(f.sender, 32, "sender"), toU64(f.nonce, "nonce"),
      units(f.fee), toU64(f.expiry, "expiry"), encodePayload(f.kind, f.payload),
    );
  }

  /**
   * A signed transaction from its canonical bytes (or hex), bounded as the node bounds it:
   * throws DecodeError (malformed, non_canonical, trailing_bytes, too_deep, too_large,
   * unsupported_version, unknown_kind). The payload stays the raw msgpack value: typedPayload() types it.
   */
  static decode(input: BytesLike): Transaction {
    const bytes = typeof input === "string" ? fromHex(input) : input;
    const v = decode(bytes, TRANSACTION_BOUNDS);
    const bad = (d: string) => new DecodeError("malformed", d);
    if (!Array.isArray(v) || v.length !== 9) throw bad("a signed transaction is an array of 9 items");
    const [version, chain, kind, sender, nonce, fee, expiry, payload, sig] = v;
    const int = (x: MsgValue | undefined, what: string) => {
      if (typeof x !== "bigint") throw bad(`${what} is not an unsigned integer`);
      return x;
    };
    if (int(version, "version") !== 1n) throw new DecodeError("unsupported_version", "transaction version is not 1");
    const c = int(chain, "chain");
    if (c > 0xffffffffn) throw bad("chain over 2^32-1");
    const info = kindInfo(Number(int(kind, "kind")));
    if (!info) throw new DecodeError("unknown_kind", `kind ${kind} is not defined`);
    if (!(sender instanceof Uint8Array) || sender.length !== 32) throw bad("sender is not 32 bytes");
    if (!(sig instanceof Uint8Array) || sig.length !== 64) throw bad("signature is not 64 bytes");
    if (payload === undefined || typeof payload === "bigint" || typeof payload === "number")
      throw bad("payload is not an array or bin");
    const tx = new Transaction(c, info, sender, int(nonce, "nonce"), int(fee, "fee"), int(expiry, "expiry"), payload!);
    tx.signature = sig;
    return tx;
  }

  /**
   * The payload typed by the kind (payloads.ts: addresses as text, amounts and integers as
   * bigint, bytes as Uint8Array); throws DecodeError("malformed") for a payload of the wrong shape.
   */
  typedPayload<K extends KindName = KindName>(): Payloads[K] {
    return decodePayload<K>(this.kind.number, this.payload);
  }

  /** The id as 64 hex. */
  get id(): string {
    return toHex(this.idBytes);
  }

  /** The kind's name. */
  get kindName(): KindName {
    return this.kind.name;
  }

  /** The sender's address. */
  get senderAddress(): string {
    return addressOf(this.sender);
  }

  /** Signs with `key`, which must be the sender's; `aux` as in KeyPair.sign. Returns this. */
  sign(key: KeyPair, aux?: BytesLike): this {
    if (toHex(key.publicKey) !== toHex(this.sender)) throw new Error("the key is not the transaction's sender");
    this.signature = key.sign(this.idBytes, aux);
    return this;
  }

  /** Whether the signature verifies under the sender's key. */
  verifySignature(): boolean {
    return this.signature !== undefined && verify(this.signature, this.idBytes, this.sender);
  }

  /** The 9-item signed encoding (throws before signing). */
  get signedBytes(): Uint8Array {
    if (!this.signature) throw new Error("the transaction is not signed");
    return encode([TX_VERSION, this.chain, this.kind.number, this.sender, this.nonce, this.fee, this.expiry, this.payload, this.signature]);
  }

  /** The signed encoding as hex: what POST /v1/txs takes as {"hex": ...}. */
  get hex(): string {
    return toHex(this.signedBytes);
  }

  /** tagged_hash("bfd/tx/entry", id || signature): a leaf item of a block's tx_root. */
  get entryHash(): Uint8Array {
    if (!this.signature) throw new Error("the transaction is not signed");
    return taggedHash("bfd/tx/entry", concatBytes(this.idBytes, this.signature));
  }
}
