// One payload of every kind, each well-formed for the node's decoders: the unit tests round-trip
// them, and tests/sdk/ts_client_test.sh has bfd-cli (the C++ codec) decode each one the SDK signs.
import {
  clusterHash, concatBytes, encodeCertificate, encodeDeliveryBundle, encodeHeader, encodeTimeoutBundle, headerHash, KeyPair,
  merkleRoot, signVote, type HeaderFields, type KindName, type TxFields,
} from "@bfdchain/client";

const fill = (byte: number, n = 32) => new Uint8Array(n).fill(byte);
const k2 = new KeyPair(fill(2));
const k3 = new KeyPair(fill(3));

/** A signed header, a certificate of its parent link and a bundle of each kind: valid encodings, not valid proofs. */
function pegObjects() {
  const unsigned = { chain: 2, height: 42, round: 6, slot: 0, producer: k3.publicKey, parent: fill(0x11), timestamp_ms: 1_700_000_000_000,
    tx_root: merkleRoot([]), state_root: fill(0x22), outbox_root: merkleRoot([fill(5)]), reveal: fill(0x5a), work_nonce: 0 };
  const header: HeaderFields = { ...unsigned, signature: k3.sign(headerHash(unsigned)) };
  const link = { chain: 2, source_height: 41, source: fill(0x11), height: 42, block: headerHash(unsigned) };
  const vote = signVote(link, k3);
  const certificate = encodeCertificate(link, clusterHash([{ key: k3.publicKey, category: 0, power: 1 }], 1),
    [[k3.publicKey, vote.slice(vote.length - 64)]]);
  const inclusion = { index: 0, leaf_count: 1, siblings: [] };
  const message = { source: 1, sequence: 0, destination: 2, sender: k2.address, receiver: k2.address, timeout_height: 9, denom: "BFDT", amount: 5 };
  return {
    headerBytes: encodeHeader(header), certificate,
    receive: encodeDeliveryBundle({ entry: { message }, inclusion, header, certificate }),
    acknowledge: encodeDeliveryBundle({ entry: { ack: { source: 1, sequence: 0, code: 0 } }, inclusion, header, links: [header], certificate }),
    timeout: encodeTimeoutBundle({ source: 1, sequence: 0, header, certificate,
      opening: { ledger_root: fill(1), consensus_root: fill(2), modules: [{ id: 3, root: fill(3) }], receipt_root: fill(4), peg_ledger_root: fill(5), next_sequence: 1 },
      receipt_proof: { bitmap: fill(0), siblings: [] } }),
  };
}

export function samplePayloads(): { [K in KindName]: TxFields<K>["payload"] } {
  const a = k2.address, h = fill(9), peg = pegObjects();
  return {
    transfer: { to: a, amount: 1 }, vm_bid: { category: 0, bid: 1, hash_chain_tip: h }, vote: { vm: h, amount: 1 },
    unvote: { vm: h, amount: 1 }, evidence: { evidence_kind: "double_block", first: fill(1, 3), second: fill(2, 3) },
    sidechain_register: { id: 9, kind: "daos", name: "f", token: "F", allocations: [{ address: a, value: 5 }], per_category: [1],
      params: { slot_ms: 500, rounds_per_epoch: 10, base_block_txs: 100, work_bits: 0, miss_limit: 5, anchor_interval: 4 },
      validators: [{ key: h, category: 0, bid: 1, hash_chain_tip: h }], genesis_time_ms: 1 },
    sidechain_activate: { sidechain: 9 }, sidechain_cease: { sidechain: 9 },
    sidechain_anchor: { id: 9, header: peg.headerBytes, certificate: peg.certificate, proof: { ledger_root: h, scalars: fill(3, 2), vms_root: h, stakes_root: h } },
    peg_send: { destination: 2, receiver: a, denom: "BFDT", amount: 1, timeout_height: 9 },
    peg_send_metadata: { destination: 8, receiver: a, operation: "ds_issue", keys: ["ds/issue"], body: "9203cc64", timeout_height: 9 },
    peg_receive: { bundle: peg.receive }, peg_acknowledge: { bundle: peg.acknowledge }, peg_timeout: { bundle: peg.timeout },
    peg_client_update: { id: 2, header: peg.headerBytes, certificate: peg.certificate },
    acl_grant: { scope: "sidechain", scope_id: 8, account: a, permissions: ["read", "write"] },
    acl_revoke: { scope: "global", account: a, permissions: 2 }, acl_role_define: { scope: "fund_group", scope_id: 7, role: "r", permissions: ["trade"] },
    acl_set_level: { group: 7, account: a, level: 2 },
    contract_publish: { name: "t", version: 1, code: fill(0, 8), params: [{ name: "rate", type: "amount" }], entry_points: ["init"], users: [a] },
    contract_deploy: { template: h, params: [fill(1, 8)], value: 1, readers: [a], init_args: [{ type: "i64", value: -1 }], fuel: 100 },
    contract_call: { contract: a, entry: "send", args: [{ type: "i32", value: -2 }], input: "00", fuel: 100 },
    contract_set_slot: { contract: a, client: null },
    service_register: { uuid: fill(1, 16), symbol: "S", home: 2, deployments: [2], instances: [{ chain: 2, contract: a }], commission: { kind: "fixed", amount: "1" } },
    service_upgrade: { service: 1, instances: [{ chain: 2, contract: a }], commission: { kind: "expression", expression: "1" }, canary: 2,
      delay: 1, window: 1, min_calls: 1, max_failed_permille: 1, max_missed_blocks: 1, max_latency_ms: 1, promote_delay: 1 },
    service_health: { service: 1, version: 1, report_chain: 2, from_height: 1, to_height: 2, calls: 1, failed_calls: 0, missed_blocks: 0, latency_p99_ms: 1 },
    service_rollback: { service: 1, reason: "r" }, service_set_status: { service: 1, status: "retired" },
    ds_member_add: { account: a, key: k2.publicKey, level: 1 }, ds_member_update: { account: a, key: k2.publicKey },
    ds_member_remove: { account: a }, ds_rate_set: { rate: "1.5" }, ds_usage_record: { service: 1, request: "0a0b", value: 1 },
    fund_subscribe: { value: 1 }, fund_trade: { buyer: a, tokens: 1 }, fund_sweep: { platform: a, timeout_height: 9 }, fund_redeem: { tokens: 1 },
    ush_group_create: { name: "g", key: concatBytes(Uint8Array.of(2), h) }, ush_issue: { group: h, member: a, count: 1 },
    ush_revoke: { group: h, pseudonyms: [h] }, tagged_transfer: { to: a, amount: 1, tag: h, since: 1 }, member_record: { data: "01" },
  };
}
