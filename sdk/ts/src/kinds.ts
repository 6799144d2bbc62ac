// Every transaction kind (docs/formats.md sections 4, 13-20): its number, name, state module,
// payload type and canonical payload array. The kind numbers are stored and signed: never renumber.

import { addressBytes, type AddressLike } from "./keys.js";
import { units, type AmountLike } from "./amount.js";
import { bytesOf, toU64, utf8, type BytesLike, type U64 } from "./bytes.js";
import type { MsgValue } from "./msgpack.js";

const U32 = 0xffffffffn;
const u32 = (v: U64, what: string) => toU64(v, what, U32);
const u64 = (v: U64, what: string) => toU64(v, what);
const text = (t: string | Uint8Array) => (typeof t === "string" ? utf8(t) : t);
const hash32 = (b: BytesLike, what: string) => bytesOf(b, 32, what);

/** Access control scope kinds (section 15). */
export const SCOPE_KINDS = { global: 0, fund_group: 1, service: 2, sidechain: 3, ush_group: 4 } as const;
export type ScopeKind = keyof typeof SCOPE_KINDS;
/** Access control permissions, by bit (section 15). */
export const PERMISSIONS = [
  "admin", "read", "write", "trade", "issue", "liquidate", "join", "deploy", "register_service",
  "upgrade_service", "sidechain_admin",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A permission mask from names (or a mask as it is). */
export function permissionMask(p: readonly Permission[] | U64): bigint {
  if (typeof p === "number" || typeof p === "bigint") return toU64(p, "permissions", 0x7ffn);
  let m = 0n;
  for (const name of p) {
    const bit = PERMISSIONS.indexOf(name);
    if (bit < 0) throw new RangeError(`unknown permission '${name}'`);
    m |= 1n << BigInt(bit);
  }
  return m;
}

/** A contract call argument: i32 or i64, encoded as its two's complement bits (section 16). */
export interface CallArg {
  type: "i32" | "i64";
  value: number | bigint;
}
function callArgs(args: readonly CallArg[] = []): [Uint8Array, MsgValue[]] {
  if (args.length > 8) throw new RangeError("at most 8 call arguments");
  const types = Uint8Array.from(args.map((a) => (a.type === "i32" ? 0 : 1)));
  const values = args.map((a) => {
    const bits = a.type === "i32" ? 32 : 64;
    return BigInt.asUintN(bits, BigInt(a.value));
  });
  return [types, values];
}

/** Contract parameter types (section 16). */
export const PARAM_TYPES = { u64: 0, i64: 1, bytes: 2, address: 3, amount: 4 } as const;
export type ParamType = keyof typeof PARAM_TYPES;

/** A service commission (section 17). */
export type Commission =
  | { kind: "percent"; basis_points: U64 }
  | { kind: "fixed"; amount: AmountLike }
  | { kind: "expression"; expression: string }
  | { kind: "wasm"; chain: U64; contract: AddressLike; export: string };
function commission(c: Commission): MsgValue {
  switch (c.kind) {
    case "percent": return [0, u64(c.basis_points, "basis_points")];
    case "fixed": return [1, units(c.amount)];
    case "expression": return [2, utf8(c.expression)];
    case "wasm": return [3, u32(c.chain, "chain"), addressBytes(c.contract), utf8(c.export)];
  }
}
/** A service instance: a contract on a chain. */
export interface ServiceInstance {
  chain: U64;
  contract: AddressLike;
}
const instances = (l: readonly ServiceInstance[]) => l.map((i) => [u32(i.chain, "chain"), addressBytes(i.contract)]);

/** A sidechain anchor (kinds 9 and 15): canonical header and certificate bytes and an optional state proof. */
export interface AnchorPayload {
  id: U64;
  header: BytesLike;
  certificate: BytesLike;
  proof?: {
    ledger_root: BytesLike;
    scalars: BytesLike;
    vms_root: BytesLike;
    stakes_root: BytesLike;
    /** module_id || root, concatenated (33-264 bytes), present only for chains with modules. */
    modules?: BytesLike;
  };
}
function anchor(p: AnchorPayload): MsgValue {
  const proof: MsgValue[] = [];
  if (p.proof) {
    const s: MsgValue[] = [
      hash32(p.proof.ledger_root, "ledger_root"), bytesOf(p.proof.scalars), hash32(p.proof.vms_root, "vms_root"),
      hash32(p.proof.stakes_root, "stakes_root"),
    ];
    if (p.proof.modules !== undefined) s.push(bytesOf(p.proof.modules));
    proof.push(s);
  }
  return [u32(p.id, "id"), bytesOf(p.header), bytesOf(p.certificate), proof];
}

/** The payload of each kind, by name. Amounts take base units or amount text. */
export interface Payloads {
  transfer: { to: AddressLike; amount: AmountLike };
  vm_bid: { category: U64; bid: AmountLike; hash_chain_tip: BytesLike };
  vote: { vm: BytesLike; amount: AmountLike };
  unvote: { vm: BytesLike; amount: AmountLike };
  evidence: { evidence_kind: "double_block" | "double_vote" | "surround_vote"; first: BytesLike; second: BytesLike };
  sidechain_register: {
    id: U64;
    kind: "mainchain" | "system_service" | "daos" | "ecosystem" | "consortium";
    name: string;
    token: string;
    allocations: { address: AddressLike; value: AmountLike }[];
    per_category: U64[];
    params: { slot_ms: U64; rounds_per_epoch: U64; base_block_txs: U64; work_bits: U64; miss_limit: U64; anchor_interval: U64 };
    validators: { key: BytesLike; category: U64; bid: AmountLike; hash_chain_tip: BytesLike }[];
    genesis_time_ms: U64;
  };
  sidechain_activate: { sidechain: U64 };
  sidechain_cease: { sidechain: U64 };
  sidechain_anchor: AnchorPayload;
  peg_send: { destination: U64; receiver: AddressLike; denom: string; amount: AmountLike; timeout_height: U64 };
  peg_send_metadata: {
    destination: U64; receiver: AddressLike; operation: string; keys: (string | Uint8Array)[];
    body: BytesLike; timeout_height: U64;
  };
  peg_receive: { bundle: BytesLike };
  peg_acknowledge: { bundle: BytesLike };
  peg_timeout: { bundle: BytesLike };
  peg_client_update: AnchorPayload;
  acl_grant: { scope: ScopeKind; scope_id?: U64; account: AddressLike; permissions?: readonly Permission[] | U64; role?: string };
  acl_revoke: { scope: ScopeKind; scope_id?: U64; account: AddressLike; permissions?: readonly Permission[] | U64; role?: string };
  acl_role_define: { scope: ScopeKind; scope_id?: U64; role: string; permissions: readonly Permission[] | U64 };
  acl_set_level: { group: U64; account: AddressLike; level: U64 };
  contract_publish: {
    name: string; version: U64; code: BytesLike; params: { name: string; type: ParamType }[];
    entry_points: string[]; slot?: string;
    /** Who may deploy from the template (1-16 distinct addresses); absent: anyone. */
    users?: AddressLike[];
  };
  contract_deploy: {
    template: BytesLike; params?: BytesLike[]; value?: AmountLike; readers?: AddressLike[];
    scope?: ScopeKind; scope_id?: U64; init_args?: CallArg[]; init_input?: BytesLike; fuel?: U64;
  };
  contract_call: { contract: AddressLike; entry: string; args?: CallArg[]; input?: BytesLike; fuel: U64; value?: AmountLike };
  contract_set_slot: { contract: AddressLike; client?: AddressLike | null };
  service_register: {
    uuid: BytesLike; symbol: string; dapp?: AddressLike; home: U64; deployments: U64[];
    instances: ServiceInstance[]; template?: U64; commission: Commission;
  };
  service_upgrade: {
    service: U64; instances: ServiceInstance[]; template?: U64; commission: Commission; canary: U64; delay: U64;
    window: U64; min_calls: U64; max_failed_permille: U64; max_missed_blocks: U64; max_latency_ms: U64; promote_delay: U64;
  };
  service_health: {
    service: U64; version: U64; report_chain: U64; from_height: U64; to_height: U64; calls: U64;
    failed_calls: U64; missed_blocks: U64; latency_p99_ms: U64;
  };
  service_rollback: { service: U64; reason: string };
  service_set_status: { service: U64; status: "active" | "suspended" | "retired" };
  ds_member_add: { account: AddressLike; key: BytesLike; level?: U64 };
  ds_member_update: { account: AddressLike; key: BytesLike; level?: U64 };
  ds_member_remove: { account: AddressLike };
  ds_rate_set: { rate: AmountLike };
  ds_usage_record: { service: U64; request: BytesLike; value: AmountLike };
  fund_subscribe: { value: AmountLike };
  fund_trade: { buyer: AddressLike; tokens: AmountLike };
  fund_sweep: { platform: AddressLike; timeout_height: U64 };
  fund_redeem: { tokens: AmountLike };
  ush_group_create: { name: string; key: BytesLike };
  ush_issue: { group: BytesLike; member: AddressLike; count: U64 };
  ush_revoke: { group: BytesLike; pseudonyms: BytesLike[] };
  tagged_transfer: { to: AddressLike; amount: AmountLike; tag: BytesLike; since: U64 };
  member_record: { data: BytesLike };
}

/** A kind's name, e.g. "transfer". */
export type KindName = keyof Payloads;

/** What the SDK knows of a kind. */
export interface KindInfo<K extends KindName = KindName> {
  number: number;
  name: K;
  module: "token" | "consensus" | "registry" | "peg" | "access" | "contracts" | "services" | "dsmeta" | "funds" | "authority";
  /** The canonical payload array (item 7 of a transaction). */
  encode: (p: Payloads[K]) => MsgValue;
}

const scope = (s: ScopeKind, id: U64 | undefined): [number, bigint] => {
  const k = SCOPE_KINDS[s];
  if (k === undefined) throw new RangeError(`unknown scope kind '${s}'`);
  return [k, u64(id ?? 0, "scope_id")];
};
const grantLike = (p: Payloads["acl_grant"]): MsgValue => [
  ...scope(p.scope, p.scope_id), addressBytes(p.account), permissionMask(p.permissions ?? 0), utf8(p.role ?? ""),
];
const memberLike = (p: Payloads["ds_member_add"]): MsgValue => [
  addressBytes(p.account), hash32(p.key, "key"), toU64(p.level ?? 0, "level", 255n),
];
const EVIDENCE = { double_block: 0, double_vote: 1, surround_vote: 2 } as const;
const CHAIN_KINDS = { mainchain: 0, system_service: 1, daos: 2, ecosystem: 3, consortium: 4 } as const;
const SERVICE_STATUS = { active: 0, suspended: 1, retired: 2 } as const;

type Table = { [K in KindName]: Omit<KindInfo<K>, "name"> };

const table: Table = {
  transfer: { number: 1, module: "token", encode: (p) => [addressBytes(p.to), units(p.amount)] },
  vm_bid: {
    number: 2, module: "consensus",
    encode: (p) => [u32(p.category, "category"), units(p.bid), hash32(p.hash_chain_tip, "hash_chain_tip")],
  },
  vote: { number: 3, module: "consensus", encode: (p) => [hash32(p.vm, "vm"), units(p.amount)] },
  unvote: { number: 4, module: "consensus", encode: (p) => [hash32(p.vm, "vm"), units(p.amount)] },
  evidence: {
    number: 5, module: "consensus",
    encode: (p) => [EVIDENCE[p.evidence_kind], bytesOf(p.first), bytesOf(p.second)],
  },
  sidechain_register: {
    number: 6, module: "registry",
    encode: (p) => [
      1, u32(p.id, "id"), CHAIN_KINDS[p.kind], utf8(p.name), utf8(p.token),
      p.allocations.map((a) => [addressBytes(a.address), units(a.value)]),
      p.per_category.map((c) => u32(c, "per_category")),
      [u64(p.params.slot_ms, "slot_ms"), u32(p.params.rounds_per_epoch, "rounds_per_epoch"),
        u32(p.params.base_block_txs, "base_block_txs"), u32(p.params.work_bits, "work_bits"),
        u64(p.params.miss_limit, "miss_limit"), u64(p.params.anchor_interval, "anchor_interval")],
      p.validators.map((v) => [hash32(v.key, "key"), u32(v.category, "category"), units(v.bid), hash32(v.hash_chain_tip, "tip")]),
      u64(p.genesis_time_ms, "genesis_time_ms"),
    ],
  },
  sidechain_activate: { number: 7, module: "registry", encode: (p) => [u32(p.sidechain, "sidechain")] },
  sidechain_cease: { number: 8, module: "registry", encode: (p) => [u32(p.sidechain, "sidechain")] },
  sidechain_anchor: { number: 9, module: "registry", encode: anchor },
  peg_send: {
    number: 10, module: "peg",
    encode: (p) => [u32(p.destination, "destination"), addressBytes(p.receiver), utf8(p.denom), units(p.amount),
      u64(p.timeout_height, "timeout_height")],
  },
  peg_send_metadata: {
    number: 11, module: "peg",
    encode: (p) => [u32(p.destination, "destination"), addressBytes(p.receiver), utf8(p.operation), p.keys.map(text),
      bytesOf(p.body), u64(p.timeout_height, "timeout_height"), 0],
  },
  peg_receive: { number: 12, module: "peg", encode: (p) => bytesOf(p.bundle) },
  peg_acknowledge: { number: 13, module: "peg", encode: (p) => bytesOf(p.bundle) },
  peg_timeout: { number: 14, module: "peg", encode: (p) => bytesOf(p.bundle) },
  peg_client_update: { number: 15, module: "peg", encode: anchor },
  acl_grant: { number: 20, module: "access", encode: grantLike },
  acl_revoke: { number: 21, module: "access", encode: grantLike },
  acl_role_define: {
    number: 22, module: "access",
    encode: (p) => [...scope(p.scope, p.scope_id), utf8(p.role), permissionMask(p.permissions)],
  },
  acl_set_level: {
    number: 23, module: "access",
    encode: (p) => [u64(p.group, "group"), addressBytes(p.account), toU64(p.level, "level", 255n)],
  },
  contract_publish: {
    number: 24, module: "contracts",
    encode: (p) => {
      const items: MsgValue[] = [
        utf8(p.name), u32(p.version, "version"), bytesOf(p.code), p.params.map((x) => utf8(x.name)),
        Uint8Array.from(p.params.map((x) => PARAM_TYPES[x.type])), p.entry_points.map((e) => utf8(e)),
      ];
      const users = p.users ?? [];
      // A trailing item only when present: the slot name (empty when only users follow), then the users.
      if ((p.slot !== undefined && p.slot !== "") || users.length > 0) items.push(utf8(p.slot ?? ""));
      if (users.length > 0) items.push(users.map(addressBytes));
      return items;
    },
  },
  contract_deploy: {
    number: 25, module: "contracts",
    encode: (p) => {
      const [types, values] = callArgs(p.init_args);
      const [sk, sid] = p.scope === undefined ? [255, 0n] : scope(p.scope, p.scope_id);
      return [
        hash32(p.template, "template"), (p.params ?? []).map((v) => bytesOf(v)), units(p.value ?? 0),
        (p.readers ?? []).map(addressBytes), sk, sid, types, values, bytesOf(p.init_input ?? new Uint8Array()),
        u64(p.fuel ?? 0, "fuel"),
      ];
    },
  },
  contract_call: {
    number: 26, module: "contracts",
    encode: (p) => {
      const [types, values] = callArgs(p.args);
      return [addressBytes(p.contract), utf8(p.entry), types, values, bytesOf(p.input ?? new Uint8Array()),
        u64(p.fuel, "fuel"), units(p.value ?? 0)];
    },
  },
  contract_set_slot: {
    number: 27, module: "contracts",
    encode: (p) => [addressBytes(p.contract), p.client ? addressBytes(p.client) : new Uint8Array()],
  },
  service_register: {
    number: 28, module: "services",
    encode: (p) => [
      bytesOf(p.uuid, 16, "uuid"), utf8(p.symbol), p.dapp ? addressBytes(p.dapp) : new Uint8Array(20),
      u32(p.home, "home"), p.deployments.map((d) => u32(d, "deployment")), instances(p.instances),
      u64(p.template ?? 0, "template"), commission(p.commission),
    ],
  },
  service_upgrade: {
    number: 29, module: "services",
    encode: (p) => [
      u64(p.service, "service"), instances(p.instances), u64(p.template ?? 0, "template"), commission(p.commission),
      u32(p.canary, "canary"), u64(p.delay, "delay"), u64(p.window, "window"), u64(p.min_calls, "min_calls"),
      u64(p.max_failed_permille, "max_failed_permille"), u64(p.max_missed_blocks, "max_missed_blocks"),
      u64(p.max_latency_ms, "max_latency_ms"), u64(p.promote_delay, "promote_delay"),
    ],
  },
  service_health: {
    number: 30, module: "services",
    encode: (p) => [
      u64(p.service, "service"), u64(p.version, "version"), u32(p.report_chain, "report_chain"),
      u64(p.from_height, "from_height"), u64(p.to_height, "to_height"), u64(p.calls, "calls"),
      u64(p.failed_calls, "failed_calls"), u64(p.missed_blocks, "missed_blocks"), u64(p.latency_p99_ms, "latency_p99_ms"),
    ],
  },
  service_rollback: { number: 31, module: "services", encode: (p) => [u64(p.service, "service"), utf8(p.reason)] },
  service_set_status: {
    number: 32, module: "services", encode: (p) => [u64(p.service, "service"), SERVICE_STATUS[p.status]],
  },
  ds_member_add: { number: 34, module: "dsmeta", encode: memberLike },
  ds_member_update: { number: 35, module: "dsmeta", encode: memberLike },
  ds_member_remove: { number: 36, module: "dsmeta", encode: (p) => [addressBytes(p.account)] },
  ds_rate_set: { number: 37, module: "dsmeta", encode: (p) => [units(p.rate)] },
  ds_usage_record: {
    number: 38, module: "dsmeta", encode: (p) => [u64(p.service, "service"), bytesOf(p.request), units(p.value)],
  },
  fund_subscribe: { number: 42, module: "funds", encode: (p) => [units(p.value)] },
  fund_trade: { number: 43, module: "funds", encode: (p) => [addressBytes(p.buyer), units(p.tokens)] },
  fund_sweep: {
    number: 44, module: "funds", encode: (p) => [addressBytes(p.platform), u64(p.timeout_height, "timeout_height")],
  },
  fund_redeem: { number: 45, module: "funds", encode: (p) => [units(p.tokens)] },
  ush_group_create: { number: 50, module: "authority", encode: (p) => [utf8(p.name), bytesOf(p.key, 33, "key")] },
  ush_issue: {
    number: 51, module: "authority",
    encode: (p) => [hash32(p.group, "group"), addressBytes(p.member), u32(p.count, "count")],
  },
  ush_revoke: {
    number: 52, module: "authority",
    encode: (p) => [hash32(p.group, "group"), p.pseudonyms.map((x) => hash32(x, "pseudonym"))],
  },
  tagged_transfer: {
    number: 53, module: "authority",
    encode: (p) => [addressBytes(p.to), units(p.amount), hash32(p.tag, "tag"), u64(p.since, "since")],
  },
  member_record: { number: 54, module: "authority", encode: (p) => [bytesOf(p.data)] },
};

/** Every kind, in number order. */
export const KINDS: readonly KindInfo[] = (Object.keys(table) as KindName[])
  .map((name) => ({ name, ...table[name] }) as KindInfo)
  .sort((a, b) => a.number - b.number);

/** A kind by name or number; undefined for one the SDK does not know. */
export function kindInfo(kind: KindName | number): KindInfo | undefined {
  return typeof kind === "number" ? KINDS.find((k) => k.number === kind) : KINDS.find((k) => k.name === kind);
}

/** The canonical payload array of a kind. */
export function encodePayload<K extends KindName>(kind: K, payload: Payloads[K]): MsgValue {
  return (table[kind] as unknown as KindInfo<K>).encode(payload);
}
