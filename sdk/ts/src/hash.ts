// Tagged hashes (docs/formats.md section 2): tagged_hash(tag, msg) = SHA256(SHA256(tag) || SHA256(tag) || msg).

import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, utf8 } from "./bytes.js";

/** Every tag the chain uses, as in chains/crypto/hash.hpp and docs/formats.md section 2. */
export const TAGS = [
  "bfd/tx", "bfd/tx/entry", "bfd/block", "bfd/merkle/leaf", "bfd/merkle/node", "bfd/merkle/empty",
  "bfd/peg", "bfd/confirm", "bfd/address", "bfd/account", "bfd/reveal", "bfd/seed", "bfd/consensus",
  "bfd/state", "bfd/ledger", "bfd/vm", "bfd/stake", "bfd/consensus/scalars", "bfd/cluster",
  "bfd/sidechain", "bfd/peg/msg", "bfd/peg/ack", "bfd/peg/receipt", "bfd/peg/smt", "bfd/peg/ledger",
  "bfd/peg/module", "bfd/access", "bfd/request", "bfd/contract/template", "bfd/contract/address",
  "bfd/contract/state", "bfd/contracts", "bfd/dsmeta", "bfd/services", "bfd/ush/rng", "bfd/ush/group",
  "bfd/ush/cred", "bfd/ush/transcript", "bfd/ush/key", "bfd/ush/confirm", "bfd/ush/session",
  "bfd/ush/tag", "bfd/funds", "bfd/authority",
] as const;

/** One of the chain's hash tags. */
export type Tag = (typeof TAGS)[number];

const prefixes = new Map<string, Uint8Array>();

/** SHA-256. */
export function sha256Bytes(msg: Uint8Array): Uint8Array {
  return sha256(msg);
}

/** SHA256(tag): the tag prefix, written twice before the message. */
export function tagPrefix(tag: Tag): Uint8Array {
  let p = prefixes.get(tag);
  if (!p) {
    p = sha256(utf8(tag));
    prefixes.set(tag, p);
  }
  return p;
}

/** tagged_hash(tag, parts concatenated). */
export function taggedHash(tag: Tag, ...parts: Uint8Array[]): Uint8Array {
  const p = tagPrefix(tag);
  return sha256(concatBytes(p, p, ...parts));
}
