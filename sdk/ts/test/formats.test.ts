// The worked examples of docs/formats.md, rebuilt by the SDK and compared byte for byte with the text.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  KeyPair, Transaction, KINDS, TAGS, tagPrefix, taggedHash, toHex, fromHex, concatBytes, addressOf, merkleRoot,
  encodeHeader, headerHash, hashChainStep, voteHash, signVote, encodeVote, encodeCluster, clusterHash,
  encodeCertificate, verifyCertificate, encodePegMessage, pegMessageHash, encodePegAck, pegAckHash, verifyMerkleProof, pegReceiptKey,
  encode, encodePayload, requestDigest, signRequest, verify, decode, TRANSACTION_BOUNDS, DecodeError, kindInfo,
  parseAmount, formatAmount, type TxFields, type KindName,
} from "../src/index.js";
import { doc, docKinds, fenceAfter, hexAfter, section } from "./doc.js";
import { samplePayloads } from "../live/samples.js";

const AUX = new Uint8Array(32);
const key = (byte: number) => new KeyPair(new Uint8Array(32).fill(byte));
const fill = (byte: number, n = 32) => new Uint8Array(n).fill(byte);
const k1 = key(1), k2 = key(2), k3 = key(3), k4 = key(4);

function signed<K extends KindName>(k: KeyPair, f: Omit<TxFields<K>, "sender" | "chain" | "expiry"> & { chain?: number }) {
  return Transaction.build({ chain: 1, expiry: 100000, sender: k.publicKey, ...f } as TxFields<K>).sign(k, AUX);
}

test("section 2: every tag's prefix is SHA-256 of the tag, and the SDK lists exactly the doc's tags", () => {
  const rows = [...section("## 2. Hashes").matchAll(/^\| `(bfd\/[a-z/]+)` \| `([0-9a-f]{64})` \|$/gm)];
  assert.ok(rows.length >= 40, `only ${rows.length} prefix rows found`);
  for (const [, tag, hex] of rows) assert.equal(toHex(tagPrefix(tag as (typeof TAGS)[number])), hex, tag);
  const docTags = new Set([...section("## 2. Hashes").matchAll(/^\| `(bfd\/[a-z/]+)` \| [^`]/gm)].map((m) => m[1]));
  assert.deepEqual([...docTags].sort(), [...TAGS].sort());
});

test("section 1: the canonical forms of integers, bins and arrays, and what the decoder refuses", () => {
  const hex = (v: Parameters<typeof encode>[0]) => toHex(encode(v));
  assert.equal(hex(5), "05");
  assert.equal(hex(127), "7f");
  assert.equal(hex(128), "cc80");
  assert.equal(hex(256), "cd0100");
  assert.equal(hex(65536), "ce00010000");
  assert.equal(hex(2n ** 32n), "cf0000000100000000");
  assert.equal(hex(fill(7, 3)), "c403070707");
  assert.equal(hex(Array(16).fill(0)), "dc0010" + "00".repeat(16));
  assert.equal(hex(fill(0, 256)).slice(0, 6), "c50100");
  const refuse = (h: string, code: string) =>
    assert.throws(() => decode(fromHex(h), TRANSACTION_BOUNDS), (e: unknown) => e instanceof DecodeError && e.code === code, h);
  refuse("cc05", "non_canonical");   // the doc's example: 5 in a uint8
  refuse("d005", "malformed");       // a signed form
  refuse("0505", "trailing_bytes");
  refuse("", "malformed");
  refuse("9201", "malformed");         // ends inside an array
  refuse("9191919191", "too_deep");
  refuse("c5002000", "malformed");   // ends inside a value
  refuse("c6ffffffff", "malformed");  // a 4 GiB bin announced in 5 bytes: refused before allocating
  refuse("ddffffffff", "too_large");  // 2^32-1 items: over the item bound before allocating
  refuse("dc0009" + "00".repeat(9), "non_canonical");  // the doc's example: a 9-item array as array16
  assert.throws(() => decode(new Uint8Array(135169), TRANSACTION_BOUNDS), (e: unknown) => e instanceof DecodeError && e.code === "too_large");
  assert.throws(() => encode(-1 as unknown as number), RangeError);
  assert.throws(() => encode(2n ** 64n), RangeError);
});

test("section 7: amounts", () => {
  assert.equal(parseAmount("12.5"), 1_250_000_000n);
  assert.equal(parseAmount("0.00000001"), 1n);
  assert.equal(parseAmount("1500u"), 1500n);
  for (const bad of ["1.", ".5", "-1", "1.123456789", " 1", "184467440737.09551616"]) assert.throws(() => parseAmount(bad), bad);
  assert.equal(formatAmount(150_000_000n), "1.5");
  assert.equal(formatAmount(10_000), "0.0001");
  assert.equal(formatAmount(100_000_000), "1");
});

test("section 8: the key file example reads, and writes back byte for byte", () => {
  const text = fenceAfter("## 8. Key file") + "\n";
  const k = KeyPair.fromKeyFile(text);
  assert.equal(k.toKeyFile(), text);
  assert.equal(k.secretHex(), "01".repeat(32));
  const j = JSON.parse(text);
  assert.throws(() => KeyPair.fromKeyFile(JSON.stringify({ ...j, address: "bfd" + "0".repeat(40) })), /address/);
  assert.throws(() => KeyPair.fromKeyFile(JSON.stringify({ ...j, format: "bfd-key-2" })), /format/);
  assert.throws(() => new KeyPair(fill(0)), /bad_secret_key/);
  assert.throws(() => new KeyPair(fill(0xff)), /bad_secret_key/);
});

test("section 10: keys and addresses", () => {
  const t = section("## 10. Worked example");
  const row = (label: string) => new RegExp(`^\\| ${label} \\| \`([0-9a-z]+)\` \\|$`, "m").exec(t)![1];
  assert.equal(k1.publicKeyHex, row("sender public key"));
  assert.equal(toHex(taggedHash("bfd/address", k1.publicKey)), row("`tagged_hash\\(\"bfd/address\", sender public key\\)`"));
  assert.equal(k1.address, row("sender address"));
  assert.equal(k2.publicKeyHex, row("recipient public key"));
  assert.equal(k2.address, row("recipient address"));
  assert.equal(k3.publicKeyHex, hexAfter("Producer secret key 32 bytes of `0x03` (public key", 0, 64));
});

const transfer = () => signed(k1, { kind: "transfer", nonce: 5, fee: 10000, payload: { to: k2.address, amount: "1.5" } });

test("section 10: the transfer, unsigned and signed, its id and entry hash", () => {
  const tx = transfer();
  assert.equal(tx.hex, fenceAfter("The signed transaction, 141 bytes:"));
  assert.equal(toHex(tx.unsignedBytes), fenceAfter("The unsigned encoding (75 bytes"));
  assert.equal(tx.id, fenceAfter("which is also the transaction id, is"));
  assert.equal(toHex(tx.entryHash), fenceAfter("The entry hash, `tagged_hash(\"bfd/tx/entry\", id || signature)`"));
  assert.ok(tx.verifySignature());
  const view = JSON.parse(fenceAfter("`bfd-cli tx decode` shows it as:"));
  const back = Transaction.decode(tx.hex);
  assert.equal(back.hex, tx.hex);
  assert.equal(back.id, view.id);
  assert.equal(back.kindName, view.kind);
  assert.equal(back.senderAddress, view.sender_address);
  assert.equal(toHex(back.signature!), view.signature);
  assert.equal(back.fee, BigInt(view.fee_units));
});

test("section 10: the block holding it: tx_root, signed header, header hash, block", () => {
  const tx = transfer();
  const txRoot = merkleRoot([tx.entryHash]);
  assert.equal(toHex(txRoot), fenceAfter("root = tagged_hash(\"bfd/merkle/node\", 0000000000000001 || leaf)`:"));
  const h = {
    chain: 1, height: 42, round: 6, slot: 0, producer: k3.publicKey, parent: fill(0x11), timestamp_ms: 1_700_000_000_000,
    tx_root: txRoot, state_root: fill(0x22), outbox_root: merkleRoot([]), reveal: fill(0x5a), work_nonce: 0,
  };
  const hash = headerHash(h);
  assert.equal(toHex(hash), fenceAfter("The header hash, `tagged_hash(\"bfd/block\", 9d + bytes 1 to 219)`, is"));
  const header = encodeHeader({ ...h, signature: k3.sign(hash, AUX) });
  assert.equal(toHex(header), fenceAfter("The signed header, 286 bytes:"));
  assert.equal(toHex(concatBytes(Uint8Array.of(0x92), header, Uint8Array.of(0x91), tx.signedBytes)), fenceAfter("and the block, 429 bytes"));
  assert.equal(toHex(merkleRoot([])), hexAfter("The empty root is", 0, 64));
});

test("section 10: the genesis header and its hash", () => {
  const h = {
    chain: 1, height: 0, round: 0, slot: 0, producer: fill(0), parent: fill(0), timestamp_ms: 1_700_000_000_000,
    tx_root: merkleRoot([]), state_root: fromHex(fenceAfter("the state root `tagged_hash(\"bfd/state\", ledger root || consensus root)` is")),
    outbox_root: merkleRoot([]), reveal: fill(0), work_nonce: 0, signature: fill(0, 64),
  };
  assert.equal(toHex(encodeHeader(h)), fenceAfter("and the genesis block's header (section 5), 286 bytes, is"));
  assert.equal(toHex(headerHash(h)), fenceAfter("with header hash"));
});

test("section 10: the hash chain", () => {
  const seed = fill(0x44);
  const r2 = hashChainStep(seed), r1 = hashChainStep(r2), tip = hashChainStep(r1);
  assert.equal(toHex(tip), fenceAfter("published in the VM's bid, is"));
  assert.equal(toHex(r1), hexAfter("reveal 1 = step(step(seed)) =", 0, 64));
  assert.equal(toHex(r2), hexAfter("reveal 2 = step(seed) =", 0, 64));
});

const tip = () => hashChainStep(hashChainStep(hashChainStep(fill(0x44))));
const link = { chain: 1, source_height: 41, source: fill(0x11), height: 42 };

test("section 10: vm_bid, vote and unvote", () => {
  const at = doc.indexOf("### Consensus transactions");
  const bid = signed(k3, { kind: "vm_bid", nonce: 0, fee: 10000, payload: { category: 0, bid: "100", hash_chain_tip: tip() } });
  assert.equal(bid.hex, fenceAfter("**vm_bid**", at));
  assert.equal(bid.id, hexAfter("Its id is", doc.indexOf("**vm_bid**", at), 64));
  const vote = signed(k2, { kind: "vote", nonce: 0, fee: 10000, payload: { vm: k3.publicKey, amount: "2.5" } });
  assert.equal(vote.hex, fenceAfter("**vote**", at));
  assert.equal(vote.id, hexAfter("Its id is", doc.indexOf("**vote**", at), 64));
  const unvote = signed(k2, { kind: "unvote", nonce: 1, fee: 10000, payload: { vm: k3.publicKey, amount: "1" } });
  assert.equal(unvote.hex, fenceAfter("**unvote**", at));
  assert.equal(unvote.id, hexAfter("Its id is", doc.indexOf("**unvote**", at), 64));
});

test("sections 10 and 11: finality votes, the cluster, the certificate and both evidence transactions", () => {
  const blockHash = fromHex(fenceAfter("The header hash, `tagged_hash(\"bfd/block\", 9d + bytes 1 to 219)`, is"));
  const v = { ...link, block: blockHash };
  const at = doc.indexOf("### Finality votes and a finality certificate");
  assert.equal(toHex(encode([2, 1, 41, fill(0x11), 42, blockHash])), fenceAfter("The signed message is the 6-item array", at));
  assert.equal(toHex(voteHash(v)), fenceAfter("its hash `tagged_hash(\"bfd/confirm\", …)` is", at));
  const vote1 = signVote(v, k3, AUX);
  assert.equal(toHex(vote1), fenceAfter("173 bytes, is", at));
  const vote2 = signVote({ ...link, block: fill(0x33) }, k3, AUX);
  assert.equal(toHex(vote2), fenceAfter("(same source, block 32 bytes of `0x33`) is", at));
  const surround = signVote({ chain: 1, source_height: 40, source: fill(0x66), height: 43, block: fill(0x77) }, k3, AUX);
  assert.equal(toHex(surround), fenceAfter("block 32 bytes of `0x77` at height 43) is", at));
  assert.ok(verify(vote1.slice(107 + 2), voteHash(v), k3.publicKey));

  const members = [{ key: k3.publicKey, category: 0, power: 300 }, { key: k4.publicKey, category: 0, power: 100 }];
  assert.equal(k4.publicKeyHex, hexAfter("the VM of secret key\n`0x04` (public key", 0, 64));
  assert.equal(toHex(encodeCluster(members, 400)), fenceAfter("`[[[key, category, power], ...], power]`, 81 bytes, is"));
  const cluster = clusterHash(members, 400);
  assert.equal(toHex(cluster), fenceAfter("and `tagged_hash(\"bfd/cluster\", …)` of it is"));
  const sig = vote1.slice(vote1.length - 64);
  assert.equal(toHex(encodeCertificate(v, cluster, [[k3.publicKey, sig]])), fenceAfter("carrying the one vote above,\n209 bytes:"));
  // "Against that cluster the certificate verifies: 300 of 400"; with the second member at 150 it
  // names another cluster; a certificate naming that cluster is not final (900 is not above 900).
  assert.ok(doc.includes("Against that cluster the certificate verifies: 300 of 400"));
  assert.equal(verifyCertificate(v, cluster, [[k3.publicKey, sig]], members, 400), null);
  const heavier = [members[0]!, { ...members[1]!, power: 150 }];
  assert.equal(verifyCertificate(v, cluster, [[k3.publicKey, sig]], heavier, 450), "bad_confirmation");
  assert.equal(verifyCertificate(v, clusterHash(heavier, 450), [[k3.publicKey, sig]], heavier, 450), "not_final");
  assert.equal(verifyCertificate(v, cluster, [[k3.publicKey, sig], [k3.publicKey, sig]], members, 400), "bad_confirmation");
  assert.equal(verifyCertificate(v, cluster, [[k4.publicKey, sig]], members, 400), "bad_confirmation");

  const dbl = signed(k2, { kind: "evidence", nonce: 2, fee: 0, payload: { evidence_kind: "double_vote", first: vote1, second: vote2 } });
  assert.equal(dbl.hex, fenceAfter("**evidence** (double vote)"));
  assert.equal(dbl.id, hexAfter("Its id is", doc.indexOf("**evidence** (double vote)"), 64));
  const sur = signed(k2, { kind: "evidence", nonce: 3, fee: 0, payload: { evidence_kind: "surround_vote", first: surround, second: vote1 } });
  assert.equal(sur.hex, fenceAfter("**evidence** (surround vote)"));
  assert.equal(sur.id, hexAfter("Its id is", doc.indexOf("**evidence** (surround vote)"), 64));
  // An encodeVote of the parts gives the same bytes as signVote.
  assert.deepEqual(encodeVote(v, k3.publicKey, sig), vote1);
});

test("section 14: the peg send, its message, the acknowledgement, the outbox and the receipt key", () => {
  const at = doc.indexOf("## 14. Two-way peg");
  const send = signed(k1, {
    kind: "peg_send", nonce: 0, fee: 0, payload: { destination: 2, receiver: k2.address, denom: "BFDT", amount: "1.5", timeout_height: 1000 },
  });
  assert.equal(toHex(encode(encodePayload("peg_send", { destination: 2, receiver: k2.address, denom: "BFDT", amount: "1.5", timeout_height: 1000 }))),
    hexAfter("The payload\n(kind 10) is", at));
  assert.equal(send.hex, fenceAfter("The signed transaction, 149 bytes", at));
  assert.equal(send.id, hexAfter("Its id is", doc.indexOf("**The send.**"), 64));

  const msg = { source: 1, sequence: 0, destination: 2, sender: k1.address, receiver: k2.address, timeout_height: 1000, denom: "BFDT", amount: "1.5" };
  assert.equal(toHex(encodePegMessage(msg)), fenceAfter("The message, 65 bytes:", at));
  const mh = pegMessageHash(msg);
  assert.equal(toHex(mh), fenceAfter("`message_hash = tagged_hash(\"bfd/peg/msg\", those 65 bytes)`:", at));
  const ack = { source: 1, sequence: 0, code: 0 };
  assert.equal(toHex(encodePegAck(ack)), fenceAfter("`c400` an empty detail:", at));
  const ah = pegAckHash(ack);
  assert.equal(toHex(ah), fenceAfter("`ack_hash = tagged_hash(\"bfd/peg/ack\", those 7 bytes)`:", at));
  const back = { source: 2, sequence: 0, destination: 1, sender: k2.address, receiver: k1.address, timeout_height: 2000, denom: "peg/1/BFDT", amount: "0.5" };
  assert.equal(toHex(encodePegMessage(back)), fenceAfter("The returning message, 71 bytes", at));
  const bh = pegMessageHash(back);
  assert.equal(toHex(bh), fenceAfter("with `message_hash`", at));
  const outbox = merkleRoot([ah, bh]);
  assert.equal(toHex(outbox), fenceAfter("`outbox_root = tagged_hash(\"bfd/merkle/node\", be64(2) || node)` is", at));
  const proofHex = fenceAfter("`93` three items, `00` index 0, `02` leaf count 2, `91` one sibling, `c420` + leaf 1:", at);
  const proof = decode(fromHex(proofHex), TRANSACTION_BOUNDS) as [bigint, bigint, Uint8Array[]];
  assert.ok(verifyMerkleProof(ah, { index: proof[0], leaf_count: proof[1], siblings: proof[2] }, outbox));
  assert.ok(!verifyMerkleProof(bh, { index: proof[0], leaf_count: proof[1], siblings: proof[2] }, outbox));
  assert.equal(toHex(pegReceiptKey(1, 0)), hexAfter("`tagged_hash(\"bfd/peg/receipt\", id12 of (1, 0))` =", at, 64));
  assert.equal(toHex(pegReceiptKey(1, 1)), hexAfter("`000000010000000000000001` and its key", at, 64));
});

test("section 15a: the signed request's array, digest and signature", () => {
  const t = section("## 15a. Signed requests");
  const row = (label: string) => new RegExp(`^\\| ${label} \\| \`([0-9a-f]+)\` \\|$`, "m").exec(t)![1];
  const r = { chain: 1, method: "GET", target: "/v1/chains/1/access/scopes/fund_group:7", timestamp_ms: 1_700_000_000_000 };
  assert.ok(t.includes(r.target) && t.includes("`X-Bfd-Timestamp: 1700000000000`"));
  assert.equal(row("public key"), k1.publicKeyHex);
  assert.equal(toHex(requestDigest(r, k1.publicKey)), row("digest"));
  const h = signRequest(r, k1, AUX);
  assert.equal(h["X-Bfd-Signature"], row("signature \\(aux 0\\)"));
  assert.equal(h["X-Bfd-Public-Key"], k1.publicKeyHex);
  assert.equal(h["X-Bfd-Timestamp"], "1700000000000");
});

test("section 17: the service registration and health report payloads", () => {
  const reg = encodePayload("service_register", {
    uuid: "0123456789abcdef0123456789abcdef", symbol: "EXCH", home: 2, deployments: [2, 3],
    instances: [{ chain: 2, contract: fill(0x22, 20) }, { chain: 3, contract: fill(0x33, 20) }],
    commission: { kind: "percent", basis_points: 250 },
  });
  assert.equal(toHex(encode(reg)), fenceAfter("The kind-28 payload, 105 bytes:"));
  const health = encodePayload("service_health", {
    service: 1, version: 2, report_chain: 2, from_height: 10, to_height: 20, calls: 15, failed_calls: 12, missed_blocks: 0, latency_p99_ms: 80,
  });
  assert.equal(toHex(encode(health)), hexAfter("the kind-30 payload, 10 bytes:", 0, 20));
});

test("every transaction kind of the doc is in the SDK with the same name, and no other", () => {
  const kinds = docKinds();
  assert.ok(kinds.size >= 42, `the doc's kind tables gave only ${kinds.size} kinds`);
  for (const [n, name] of kinds) {
    const k = kindInfo(n);
    assert.ok(k, `kind ${n} (${name}) is in docs/formats.md but not in the SDK`);
    assert.equal(k!.name, name, `kind ${n}`);
  }
  for (const k of KINDS) assert.ok(kinds.has(k.number), `kind ${k.number} (${k.name}) is in the SDK but not in docs/formats.md`);
});

test("a transaction of every kind encodes, signs and decodes back to the same bytes", () => {
  const samples = samplePayloads();
  for (const k of KINDS) {
    const tx = signed(k1, { kind: k.name, nonce: 0, fee: 0, payload: samples[k.name] as never });
    const back = Transaction.decode(tx.signedBytes);
    assert.equal(back.hex, tx.hex, k.name);
    assert.equal(back.kind.number, k.number);
    assert.ok(back.verifySignature(), k.name);
  }
  assert.throws(() => Transaction.decode(transfer().hex.replace(/^99010101/, "99010110")), /unknown_kind/);
});

test("a kind-24 template id is the tagged hash of its payload, and a tampered signature fails", () => {
  const tx = transfer();
  const bytes = Uint8Array.from(tx.signedBytes);
  bytes[bytes.length - 1]! ^= 1;
  assert.equal(Transaction.decode(bytes).verifySignature(), false);
  assert.equal(addressOf(k1.publicKey), k1.address);
});
