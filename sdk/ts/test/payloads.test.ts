// Typed payload decoding (src/payloads.ts): every kind's sample decodes to a typed payload that
// encodes back to the same bytes; the decoder refuses wrong shapes with DecodeError, and random
// damage to a signed transaction never yields anything but a value or a DecodeError.
import test from "node:test";
import assert from "node:assert/strict";
import {
  DecodeError, decode, decodePayload, encode, encodePayload, KeyPair, KINDS, toHex, Transaction, TRANSACTION_BOUNDS,
  type KindName, type MsgValue, type TxFields,
} from "@bfdchain/client";
import { samplePayloads } from "../live/samples.js";

const key = new KeyPair(new Uint8Array(32).fill(1));
const signed = (kind: KindName, payload: unknown) =>
  Transaction.build({ chain: 1, kind, sender: key.publicKey, nonce: 0, fee: 0, expiry: 9, payload } as TxFields).sign(key, new Uint8Array(32));

test("every kind's payload decodes to a typed value that encodes back byte for byte", () => {
  const samples = samplePayloads();
  for (const k of KINDS) {
    const raw = encodePayload(k.name, samples[k.name] as never);
    const typed = decodePayload(k.name, raw);
    assert.equal(toHex(encode(encodePayload(k.name, typed as never))), toHex(encode(raw)), k.name);
    // The same from a signed transaction's hex, by the kind's number.
    const back = Transaction.decode(signed(k.name, samples[k.name]).hex);
    assert.equal(toHex(encode(encodePayload(k.name, back.typedPayload() as never))), toHex(encode(raw)), `${k.name} from hex`);
    assert.deepEqual(decodePayload(k.number, raw), typed, `${k.name} by number`);
  }
});

test("decoded payloads are typed: addresses as text, amounts and integers as bigint, names as names", () => {
  const s = samplePayloads();
  const to = (s.transfer.to as string);
  assert.deepEqual(decodePayload("transfer", encodePayload("transfer", s.transfer)), { to, amount: 1n });
  assert.deepEqual(decodePayload("acl_grant", encodePayload("acl_grant", s.acl_grant)),
    { scope: "sidechain", scope_id: 8n, account: to, permissions: ["read", "write"], role: "" });
  assert.deepEqual(decodePayload("contract_call", encodePayload("contract_call", s.contract_call)).args, [{ type: "i32", value: -2n }]);
  assert.deepEqual(decodePayload("service_register", encodePayload("service_register", s.service_register)).commission,
    { kind: "fixed", amount: 100_000_000n });
  assert.equal(decodePayload("contract_set_slot", encodePayload("contract_set_slot", s.contract_set_slot)).client, null);
  assert.equal(decodePayload("ds_rate_set", encodePayload("ds_rate_set", s.ds_rate_set)).rate, 150_000_000n);
  assert.equal(decodePayload("evidence", encodePayload("evidence", s.evidence)).evidence_kind, "double_block");
});

test("a payload of the wrong shape is refused with DecodeError naming the field", () => {
  const addr = new Uint8Array(20);
  const cases: [KindName | number, MsgValue, RegExp][] = [
    ["transfer", [addr], /transfer: expected 2 items/],
    ["transfer", [addr, 1n, 2n], /transfer: expected 2 items/],
    ["transfer", [new Uint8Array(19), 1n], /to: expected 20 bytes/],
    ["transfer", [addr, new Uint8Array(1)], /amount: expected an unsigned integer/],
    ["transfer", new Uint8Array(3), /transfer: expected an array/],
    ["vm_bid", [1n << 32n, 1n, new Uint8Array(32)], /category: above/],
    ["evidence", [7n, new Uint8Array(1), new Uint8Array(1)], /evidence_kind: unknown value 7/],
    ["acl_grant", [9n, 0n, addr, 0n, new Uint8Array()], /scope: unknown value 9/],
    ["acl_grant", [0n, 0n, addr, 1n << 11n, new Uint8Array()], /permissions: above/],
    ["service_rollback", [1n, Uint8Array.of(0xff, 0xfe)], /reason: not UTF-8/],
    ["contract_call", [addr, new Uint8Array(), Uint8Array.of(0, 1), [1n], new Uint8Array(), 1n, 0n], /types and values differ/],
    ["contract_call", [addr, new Uint8Array(), Uint8Array.of(2), [1n], new Uint8Array(), 1n, 0n], /unknown type 2/],
    ["contract_set_slot", [addr, new Uint8Array(5)], /client: expected 0 or 20 bytes/],
    ["service_register", [new Uint8Array(16), new Uint8Array(), addr, 1n, [], [], 0n, [5n, 1n]], /commission kind: above 3/],
    ["peg_send_metadata", [1n, addr, new Uint8Array(), [], new Uint8Array(), 1n, 1n], /the last item is not 0/],
    ["sidechain_register", [2n, 1n, 1n, new Uint8Array(), new Uint8Array(), [], [], [], [], 1n], /version is not 1/],
    ["peg_receive", [1n], /bundle: expected bytes/],
    [99, [], /kind 99 is not defined/],
  ];
  for (const [kind, raw, why] of cases) {
    assert.throws(() => decodePayload(kind as KindName, raw), (e: unknown) => e instanceof DecodeError && why.test(e.message),
      `${String(kind)}: ${why}`);
  }
});

test("damaged transactions decode to a value or a DecodeError, never another failure", () => {
  const samples = samplePayloads();
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let decoded = 0, refused = 0;
  for (const k of KINDS) {
    const bytes = signed(k.name, samples[k.name]).signedBytes;
    for (let i = 0; i < 60; i++) {
      const b = bytes.slice(0, i % 7 === 6 ? rand(bytes.length) : bytes.length);
      for (let flips = 1 + rand(3); flips > 0 && b.length > 0; flips--) b[rand(b.length)] ^= 1 << rand(8);
      try {
        Transaction.decode(b).typedPayload();
        decoded++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`${k.name}: ${String(e)} for ${toHex(b)}`);
        refused++;
      }
    }
  }
  assert.ok(refused > 0 && decoded > 0, `${decoded} decoded, ${refused} refused`);
});

test("nesting and size are bounded before a payload is typed", () => {
  // 2,000 nested arrays in the payload slot: refused by the transaction bounds (depth 4).
  const deep = new Uint8Array(2000).fill(0x91);
  const head = encode([1n, 1n, 1n, new Uint8Array(32), 0n, 0n, 9n]).slice(1);
  assert.throws(() => Transaction.decode(Uint8Array.of(0x99, ...head, ...deep, 0xc0)), (e: unknown) => e instanceof DecodeError);
  // A bin header claiming 4 GiB: refused before any allocation.
  assert.throws(() => decode(Uint8Array.of(0xc6, 0xff, 0xff, 0xff, 0xff), TRANSACTION_BOUNDS),
    (e: unknown) => e instanceof DecodeError);
});

test("verifyCertificate(block, certificate, cluster) takes the node's answers and refuses tampered ones", async () => {
  const { headerHash, signVote, clusterHash, formatAmount } = await import("@bfdchain/client");
  const k3 = new KeyPair(new Uint8Array(32).fill(3)), k4 = new KeyPair(new Uint8Array(32).fill(4));
  const fill = (b: number) => new Uint8Array(32).fill(b);
  const header = { chain: 1, height: 41, round: 6, slot: 0, producer: toHex(k3.publicKey), parent: toHex(fill(0x10)), timestamp_ms: 5,
    tx_root: toHex(fill(1)), state_root: toHex(fill(2)), outbox_root: toHex(fill(3)), reveal: toHex(fill(4)), work_nonce: 0 };
  const block = { hash: toHex(headerHash(header)), height: 41, header };
  const members = [{ key: k3.publicKey, category: 0, power: 300 }, { key: k4.publicKey, category: 0, power: 100 }];
  const link = { chain: 1, source_height: 41, source: block.hash, height: 42, block: toHex(fill(0x42)) };
  const sigOf = (k: KeyPair) => toHex(signVote(link, k, new Uint8Array(32)).slice(-64));
  const cert = { chain: 1, source: { height: 41, hash: block.hash }, target: { height: 42, hash: link.block },
    cluster: toHex(clusterHash(members, 400)), signatures: [{ signer: toHex(k3.publicKey), signature: sigOf(k3) }] };
  const cluster = { hash: cert.cluster, power: formatAmount(400), members: members.map((m) => ({ key: toHex(m.key), category: 0, power: formatAmount(m.power) })) };
  const { verifyCertificate } = await import("@bfdchain/client");
  assert.equal(verifyCertificate(block, cert, cluster), null);
  const flipped = structuredClone(cert);
  flipped.signatures[0]!.signature = (flipped.signatures[0]!.signature[0] === "0" ? "1" : "0") + flipped.signatures[0]!.signature.slice(1);
  assert.equal(verifyCertificate(block, flipped, cluster), "bad_confirmation");
  assert.equal(verifyCertificate(block, { ...cert, signatures: [{ signer: toHex(k4.publicKey), signature: sigOf(k4) }] }, cluster), "not_final");
  assert.equal(verifyCertificate(block, cert, { ...cluster, power: formatAmount(450) }), "bad_confirmation");
  assert.equal(verifyCertificate({ ...block, header: { ...header, timestamp_ms: 6 } }, cert, cluster), "bad_proof");
  assert.equal(verifyCertificate(block, { ...cert, target: { height: 43, hash: link.block } }, cluster), "not_final");
});
