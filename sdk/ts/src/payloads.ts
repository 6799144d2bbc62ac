// Typed payload decoding: the inverse of each kind's encoder in kinds.ts. A decoded payload is a
// `Payloads[K]` in one normal form (addresses as "bfd…" text, amounts and integers as bigint,
// byte strings as Uint8Array, names as text), so encodePayload(kind, decodePayload(kind, raw))
// gives `raw` back byte for byte. Input is a msgpack value already bounded by `decode` (size,
// items, depth); here each item's type, count and width is checked, and anything else throws
// DecodeError("malformed", ...) naming the field, never a partial value.

import { formatAddress } from "./keys.js";
import { DecodeError, type MsgValue } from "./msgpack.js";
import {
  kindInfo, PARAM_TYPES, PERMISSIONS, SCOPE_KINDS, type CallArg, type Commission, type KindName, type ParamType,
  type Payloads, type Permission, type ScopeKind, type ServiceInstance, type AnchorPayload,
} from "./kinds.js";

const U32 = 0xffffffffn;
const bad = (what: string, detail: string) => new DecodeError("malformed", `${what}: ${detail}`);
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/** Typed reads of one msgpack value, each naming the field it reads in its error. */
const read = {
  array(v: MsgValue | undefined, what: string, min: number, max = min): MsgValue[] {
    if (!Array.isArray(v)) throw bad(what, "expected an array");
    if (v.length < min || v.length > max)
      throw bad(what, min === max ? `expected ${min} items, got ${v.length}` : `expected ${min}-${max} items, got ${v.length}`);
    return v;
  },
  list(v: MsgValue | undefined, what: string, max: number): MsgValue[] {
    return read.array(v, what, 0, max);
  },
  uint(v: MsgValue | undefined, what: string, max = 0xffffffffffffffffn): bigint {
    // decode() gives bigint; a value an encoder built may hold a safe integer as a number.
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) v = BigInt(v);
    if (typeof v !== "bigint") throw bad(what, "expected an unsigned integer");
    if (v > max) throw bad(what, `above ${max}`);
    return v;
  },
  u32(v: MsgValue | undefined, what: string): bigint {
    return read.uint(v, what, U32);
  },
  bin(v: MsgValue | undefined, what: string, size?: number): Uint8Array {
    if (!(v instanceof Uint8Array)) throw bad(what, "expected bytes");
    if (size !== undefined && v.length !== size) throw bad(what, `expected ${size} bytes, got ${v.length}`);
    return v;
  },
  text(v: MsgValue | undefined, what: string): string {
    const b = read.bin(v, what);
    try {
      return textDecoder.decode(b);
    } catch {
      throw bad(what, "not UTF-8 text");
    }
  },
  address(v: MsgValue | undefined, what: string): string {
    return formatAddress(read.bin(v, what, 20));
  },
  hash(v: MsgValue | undefined, what: string): Uint8Array {
    return read.bin(v, what, 32);
  },
  /** An index into a name table (the inverse of a `{name: number}` map). */
  named<T extends string>(v: MsgValue | undefined, what: string, table: Record<T, number>): T {
    const n = read.uint(v, what, 255n);
    const hit = (Object.keys(table) as T[]).find((k) => BigInt(table[k]) === n);
    if (hit === undefined) throw bad(what, `unknown value ${n}`);
    return hit;
  },
};

const EVIDENCE = { double_block: 0, double_vote: 1, surround_vote: 2 } as const;
const CHAIN_KINDS = { mainchain: 0, system_service: 1, daos: 2, ecosystem: 3, consortium: 4 } as const;
const SERVICE_STATUS = { active: 0, suspended: 1, retired: 2 } as const;

function permissions(v: MsgValue | undefined, what: string): Permission[] {
  const mask = read.uint(v, what, (1n << BigInt(PERMISSIONS.length)) - 1n);
  return PERMISSIONS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

function scopeOf(k: MsgValue | undefined, id: MsgValue | undefined): { scope: ScopeKind; scope_id: bigint } {
  return { scope: read.named(k, "scope", SCOPE_KINDS), scope_id: read.uint(id, "scope_id") };
}

function callArgs(types: MsgValue | undefined, values: MsgValue | undefined): CallArg[] {
  const t = read.bin(types, "arg types");
  const vs = read.list(values, "arg values", 8);
  if (t.length > 8 || t.length !== vs.length) throw bad("args", "types and values differ in count (at most 8)");
  return vs.map((v, i) => {
    const type = t[i] === 0 ? "i32" : t[i] === 1 ? "i64" : undefined;
    if (!type) throw bad("arg types", `unknown type ${t[i]}`);
    const bits = read.uint(v, "arg value", type === "i32" ? U32 : undefined);
    return { type, value: BigInt.asIntN(type === "i32" ? 32 : 64, bits) };
  });
}

function commission(v: MsgValue | undefined): Commission {
  const c = read.array(v, "commission", 2, 4);
  const kind = read.uint(c[0], "commission kind", 3n);
  const want = kind === 3n ? 4 : 2;
  if (c.length !== want) throw bad("commission", `kind ${kind} has ${want} items`);
  switch (kind) {
    case 0n: return { kind: "percent", basis_points: read.uint(c[1], "basis_points") };
    case 1n: return { kind: "fixed", amount: read.uint(c[1], "amount") };
    case 2n: return { kind: "expression", expression: read.text(c[1], "expression") };
    default: return { kind: "wasm", chain: read.u32(c[1], "chain"), contract: read.address(c[2], "contract"), export: read.text(c[3], "export") };
  }
}

const instances = (v: MsgValue | undefined): ServiceInstance[] =>
  read.list(v, "instances", 1024).map((x) => {
    const [chain, contract] = read.array(x, "instance", 2);
    return { chain: read.u32(chain, "instance chain"), contract: read.address(contract, "instance contract") };
  });

function anchor(v: MsgValue): AnchorPayload {
  const [id, header, certificate, proofList] = read.array(v, "anchor", 4);
  const out: AnchorPayload = { id: read.u32(id, "id"), header: read.bin(header, "header"), certificate: read.bin(certificate, "certificate") };
  const proofs = read.list(proofList, "proof", 1);
  if (proofs.length === 1) {
    const p = read.array(proofs[0], "proof", 4, 5);
    out.proof = {
      ledger_root: read.hash(p[0], "ledger_root"), scalars: read.bin(p[1], "scalars"), vms_root: read.hash(p[2], "vms_root"),
      stakes_root: read.hash(p[3], "stakes_root"),
    };
    if (p.length === 5) out.proof.modules = read.bin(p[4], "modules");
  }
  return out;
}

const grantLike = (v: MsgValue): Payloads["acl_grant"] => {
  const [k, id, account, mask, role] = read.array(v, "acl payload", 5);
  return { ...scopeOf(k, id), account: read.address(account, "account"), permissions: permissions(mask, "permissions"), role: read.text(role, "role") };
};
const memberLike = (v: MsgValue): Payloads["ds_member_add"] => {
  const [account, key, level] = read.array(v, "member", 3);
  return { account: read.address(account, "account"), key: read.hash(key, "key"), level: read.uint(level, "level", 255n) };
};
const bundle = (v: MsgValue) => ({ bundle: read.bin(v, "bundle") });

type Decoders = { [K in KindName]: (v: MsgValue) => Payloads[K] };

const decoders: Decoders = {
  transfer: (v) => {
    const [to, amount] = read.array(v, "transfer", 2);
    return { to: read.address(to, "to"), amount: read.uint(amount, "amount") };
  },
  vm_bid: (v) => {
    const [category, bid, tip] = read.array(v, "vm_bid", 3);
    return { category: read.u32(category, "category"), bid: read.uint(bid, "bid"), hash_chain_tip: read.hash(tip, "hash_chain_tip") };
  },
  vote: (v) => {
    const [vm, amount] = read.array(v, "vote", 2);
    return { vm: read.hash(vm, "vm"), amount: read.uint(amount, "amount") };
  },
  unvote: (v) => {
    const [vm, amount] = read.array(v, "unvote", 2);
    return { vm: read.hash(vm, "vm"), amount: read.uint(amount, "amount") };
  },
  evidence: (v) => {
    const [kind, first, second] = read.array(v, "evidence", 3);
    return { evidence_kind: read.named(kind, "evidence_kind", EVIDENCE), first: read.bin(first, "first"), second: read.bin(second, "second") };
  },
  sidechain_register: (v) => {
    const f = read.array(v, "sidechain_register", 10);
    if (read.uint(f[0], "version") !== 1n) throw bad("sidechain_register", "version is not 1");
    const params = read.array(f[7], "params", 6);
    return {
      id: read.u32(f[1], "id"), kind: read.named(f[2], "kind", CHAIN_KINDS), name: read.text(f[3], "name"), token: read.text(f[4], "token"),
      allocations: read.list(f[5], "allocations", 1024).map((a) => {
        const [address, value] = read.array(a, "allocation", 2);
        return { address: read.address(address, "allocation address"), value: read.uint(value, "allocation value") };
      }),
      per_category: read.list(f[6], "per_category", 1024).map((c) => read.u32(c, "per_category")),
      params: {
        slot_ms: read.uint(params[0], "slot_ms"), rounds_per_epoch: read.u32(params[1], "rounds_per_epoch"),
        base_block_txs: read.u32(params[2], "base_block_txs"), work_bits: read.u32(params[3], "work_bits"),
        miss_limit: read.uint(params[4], "miss_limit"), anchor_interval: read.uint(params[5], "anchor_interval"),
      },
      validators: read.list(f[8], "validators", 1024).map((x) => {
        const [key, category, bid, tip] = read.array(x, "validator", 4);
        return { key: read.hash(key, "validator key"), category: read.u32(category, "validator category"), bid: read.uint(bid, "validator bid"),
          hash_chain_tip: read.hash(tip, "validator hash_chain_tip") };
      }),
      genesis_time_ms: read.uint(f[9], "genesis_time_ms"),
    };
  },
  sidechain_activate: (v) => ({ sidechain: read.u32(read.array(v, "sidechain_activate", 1)[0], "sidechain") }),
  sidechain_cease: (v) => ({ sidechain: read.u32(read.array(v, "sidechain_cease", 1)[0], "sidechain") }),
  sidechain_anchor: anchor,
  peg_send: (v) => {
    const [destination, receiver, denom, amount, timeout] = read.array(v, "peg_send", 5);
    return { destination: read.u32(destination, "destination"), receiver: read.address(receiver, "receiver"), denom: read.text(denom, "denom"),
      amount: read.uint(amount, "amount"), timeout_height: read.uint(timeout, "timeout_height") };
  },
  peg_send_metadata: (v) => {
    const [destination, receiver, operation, keys, body, timeout, reserved] = read.array(v, "peg_send_metadata", 7);
    if (read.uint(reserved, "reserved") !== 0n) throw bad("peg_send_metadata", "the last item is not 0");
    return { destination: read.u32(destination, "destination"), receiver: read.address(receiver, "receiver"),
      operation: read.text(operation, "operation"), keys: read.list(keys, "keys", 1024).map((k) => read.bin(k, "key")),
      body: read.bin(body, "body"), timeout_height: read.uint(timeout, "timeout_height") };
  },
  peg_receive: bundle,
  peg_acknowledge: bundle,
  peg_timeout: bundle,
  peg_client_update: anchor,
  acl_grant: grantLike,
  acl_revoke: grantLike,
  acl_role_define: (v) => {
    const [k, id, role, mask] = read.array(v, "acl_role_define", 4);
    return { ...scopeOf(k, id), role: read.text(role, "role"), permissions: permissions(mask, "permissions") };
  },
  acl_set_level: (v) => {
    const [group, account, level] = read.array(v, "acl_set_level", 3);
    return { group: read.uint(group, "group"), account: read.address(account, "account"), level: read.uint(level, "level", 255n) };
  },
  contract_publish: (v) => {
    const f = read.array(v, "contract_publish", 6, 8);
    const names = read.list(f[3], "param names", 1024).map((n) => read.text(n, "param name"));
    const types = read.bin(f[4], "param types");
    if (types.length !== names.length) throw bad("params", "names and types differ in count");
    const typeNames = Object.keys(PARAM_TYPES) as ParamType[];
    const out: Payloads["contract_publish"] = {
      name: read.text(f[0], "name"), version: read.u32(f[1], "version"), code: read.bin(f[2], "code"),
      params: names.map((name, i) => {
        const type = typeNames.find((t) => PARAM_TYPES[t] === types[i]);
        if (!type) throw bad("param types", `unknown type ${types[i]}`);
        return { name, type };
      }),
      entry_points: read.list(f[5], "entry_points", 1024).map((e) => read.text(e, "entry point")),
    };
    if (f.length >= 7) out.slot = read.text(f[6], "slot");
    if (f.length === 8) {
      out.users = read.list(f[7], "users", 16).map((u) => read.address(u, "user"));
      if (out.users.length === 0) throw bad("users", "an empty list is written as no item");
    } else if (out.slot === "") {
      throw bad("slot", "an empty slot without users is written as no item");
    }
    return out;
  },
  contract_deploy: (v) => {
    const f = read.array(v, "contract_deploy", 10);
    const sk = read.uint(f[4], "scope", 255n);
    const out: Payloads["contract_deploy"] = {
      template: read.hash(f[0], "template"), params: read.list(f[1], "params", 1024).map((p) => read.bin(p, "param")),
      value: read.uint(f[2], "value"), readers: read.list(f[3], "readers", 1024).map((r) => read.address(r, "reader")),
      init_args: callArgs(f[6], f[7]), init_input: read.bin(f[8], "init_input"), fuel: read.uint(f[9], "fuel"),
    };
    if (sk === 255n) {
      if (read.uint(f[5], "scope_id") !== 0n) throw bad("scope_id", "must be 0 without a scope");
    } else {
      Object.assign(out, scopeOf(f[4], f[5]));
    }
    return out;
  },
  contract_call: (v) => {
    const [contract, entry, types, values, input, fuel, value] = read.array(v, "contract_call", 7);
    return { contract: read.address(contract, "contract"), entry: read.text(entry, "entry"), args: callArgs(types, values),
      input: read.bin(input, "input"), fuel: read.uint(fuel, "fuel"), value: read.uint(value, "value") };
  },
  contract_set_slot: (v) => {
    const [contract, client] = read.array(v, "contract_set_slot", 2);
    const c = read.bin(client, "client");
    if (c.length !== 0 && c.length !== 20) throw bad("client", "expected 0 or 20 bytes");
    return { contract: read.address(contract, "contract"), client: c.length === 0 ? null : formatAddress(c) };
  },
  service_register: (v) => {
    const [uuid, symbol, dapp, home, deployments, inst, template, comm] = read.array(v, "service_register", 8);
    const d = read.bin(dapp, "dapp", 20);
    const out: Payloads["service_register"] = {
      uuid: read.bin(uuid, "uuid", 16), symbol: read.text(symbol, "symbol"), home: read.u32(home, "home"),
      deployments: read.list(deployments, "deployments", 1024).map((x) => read.u32(x, "deployment")),
      instances: instances(inst), template: read.uint(template, "template"), commission: commission(comm),
    };
    if (d.some((x) => x !== 0)) out.dapp = formatAddress(d);
    return out;
  },
  service_upgrade: (v) => {
    const f = read.array(v, "service_upgrade", 12);
    return {
      service: read.uint(f[0], "service"), instances: instances(f[1]), template: read.uint(f[2], "template"), commission: commission(f[3]),
      canary: read.u32(f[4], "canary"), delay: read.uint(f[5], "delay"), window: read.uint(f[6], "window"),
      min_calls: read.uint(f[7], "min_calls"), max_failed_permille: read.uint(f[8], "max_failed_permille"),
      max_missed_blocks: read.uint(f[9], "max_missed_blocks"), max_latency_ms: read.uint(f[10], "max_latency_ms"),
      promote_delay: read.uint(f[11], "promote_delay"),
    };
  },
  service_health: (v) => {
    const f = read.array(v, "service_health", 9);
    return {
      service: read.uint(f[0], "service"), version: read.uint(f[1], "version"), report_chain: read.u32(f[2], "report_chain"),
      from_height: read.uint(f[3], "from_height"), to_height: read.uint(f[4], "to_height"), calls: read.uint(f[5], "calls"),
      failed_calls: read.uint(f[6], "failed_calls"), missed_blocks: read.uint(f[7], "missed_blocks"),
      latency_p99_ms: read.uint(f[8], "latency_p99_ms"),
    };
  },
  service_rollback: (v) => {
    const [service, reason] = read.array(v, "service_rollback", 2);
    return { service: read.uint(service, "service"), reason: read.text(reason, "reason") };
  },
  service_set_status: (v) => {
    const [service, status] = read.array(v, "service_set_status", 2);
    return { service: read.uint(service, "service"), status: read.named(status, "status", SERVICE_STATUS) };
  },
  ds_member_add: memberLike,
  ds_member_update: memberLike,
  ds_member_remove: (v) => ({ account: read.address(read.array(v, "ds_member_remove", 1)[0], "account") }),
  ds_rate_set: (v) => ({ rate: read.uint(read.array(v, "ds_rate_set", 1)[0], "rate") }),
  ds_usage_record: (v) => {
    const [service, request, value] = read.array(v, "ds_usage_record", 3);
    return { service: read.uint(service, "service"), request: read.bin(request, "request"), value: read.uint(value, "value") };
  },
  fund_subscribe: (v) => ({ value: read.uint(read.array(v, "fund_subscribe", 1)[0], "value") }),
  fund_trade: (v) => {
    const [buyer, tokens] = read.array(v, "fund_trade", 2);
    return { buyer: read.address(buyer, "buyer"), tokens: read.uint(tokens, "tokens") };
  },
  fund_sweep: (v) => {
    const [platform, timeout] = read.array(v, "fund_sweep", 2);
    return { platform: read.address(platform, "platform"), timeout_height: read.uint(timeout, "timeout_height") };
  },
  fund_redeem: (v) => ({ tokens: read.uint(read.array(v, "fund_redeem", 1)[0], "tokens") }),
  ush_group_create: (v) => {
    const [name, key] = read.array(v, "ush_group_create", 2);
    return { name: read.text(name, "name"), key: read.bin(key, "key", 33) };
  },
  ush_issue: (v) => {
    const [group, member, count] = read.array(v, "ush_issue", 3);
    return { group: read.hash(group, "group"), member: read.address(member, "member"), count: read.u32(count, "count") };
  },
  ush_revoke: (v) => {
    const [group, pseudonyms] = read.array(v, "ush_revoke", 2);
    return { group: read.hash(group, "group"), pseudonyms: read.list(pseudonyms, "pseudonyms", 1024).map((p) => read.hash(p, "pseudonym")) };
  },
  tagged_transfer: (v) => {
    const [to, amount, tag, since] = read.array(v, "tagged_transfer", 4);
    return { to: read.address(to, "to"), amount: read.uint(amount, "amount"), tag: read.hash(tag, "tag"), since: read.uint(since, "since") };
  },
  member_record: (v) => ({ data: read.bin(read.array(v, "member_record", 1)[0], "data") }),
};

/**
 * The typed payload of a kind (by name or number) from its raw msgpack value (e.g.
 * `Transaction.decode(hex).payload`): the inverse of encodePayload. Throws DecodeError
 * ("unknown_kind" for a kind the SDK does not know, "malformed" for a payload of the wrong shape).
 */
export function decodePayload<K extends KindName>(kind: K | number, raw: MsgValue): Payloads[K] {
  const info = kindInfo(kind as KindName | number);
  if (!info) throw new DecodeError("unknown_kind", `kind ${String(kind)} is not defined`);
  return (decoders[info.name] as (v: MsgValue) => Payloads[K])(raw);
}
