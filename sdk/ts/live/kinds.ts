// One signed transaction of every kind, built by the SDK, decoded by `bfd-cli tx decode` (the C++
// codec, which re-encodes and compares): the kind, id and a valid signature must come back, and
// the SDK's typed payload (typedPayload(), src/payloads.ts) must agree with every payload field
// the node's JSON shows under the same name. Prints `ok:` / `FAIL:` lines; exit code 1 on a
// failure. Usage: node dist/live/kinds.js PATH/TO/bfd-cli
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KeyPair, KINDS, toHex, Transaction, type KindName, type TxFields } from "@bfdchain/client";
import { samplePayloads } from "./samples.js";

const cli = process.argv[2];
if (!cli) throw new Error("usage: kinds.js BFD_CLI");
const run = promisify(execFile);
const key = KeyPair.generate();
const samples = samplePayloads();
const txs = KINDS.map((k) => Transaction.build({ chain: 1, kind: k.name, sender: key.publicKey, nonce: 3, fee: 10_000, expiry: 500,
  payload: samples[k.name] as TxFields<KindName>["payload"] }).sign(key));

/// The SDK's typed value in JSON terms: bigint as decimal text, bytes as hex.
const norm = (v: unknown): unknown =>
  typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? toHex(v) : Array.isArray(v) ? v.map(norm)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)])) : v;

/// Compares a typed payload with the node's JSON, field by field under the same names: an amount
/// against its `<name>_units`, a list against a count the node shows instead, a call argument
/// against its "type:value" text, objects recursively. Returns [fields compared, differences].
function compare(sdk: unknown, node: unknown, path: string, diffs: string[]): number {
  const a = norm(sdk);
  if (a !== null && typeof a === "object" && !Array.isArray(a) && node !== null && typeof node === "object" && !Array.isArray(node)) {
    const o = a as Record<string, unknown>, j = node as Record<string, unknown>;
    let n = 0;
    for (const [k, v] of Object.entries(o)) {
      const units = j[`${k}_units`];
      if (units !== undefined) {
        n++;
        if (String(units) !== v) diffs.push(`${path}${k}: SDK ${v}, node ${k}_units ${units}`);
      } else if (k in j) {
        n += compare(v, j[k], `${path}${k}.`, diffs);
      }
    }
    return n;
  }
  if (Array.isArray(a) && typeof node === "number") {
    if (a.length !== node) diffs.push(`${path}: SDK ${a.length} items, node ${node}`);
    return 1;
  }
  if (Array.isArray(a) && Array.isArray(node)) {
    if (a.length !== node.length) {
      diffs.push(`${path}: SDK ${a.length} items, node ${node.length}`);
      return 1;
    }
    return a.reduce((n: number, x, i) => {
      const y = node[i];
      if (x !== null && typeof x === "object" && "type" in x && "value" in x && typeof y === "string") {
        const text = `${(x as { type: string }).type}:${(x as { value: string }).value}`;
        if (text !== y) diffs.push(`${path}${i}: SDK ${text}, node ${y}`);
        return n + 1;
      }
      return n + compare(x, y, `${path}${i}.`, diffs);
    }, 0);
  }
  const b = typeof node === "number" ? String(node) : node;
  if (a !== b) diffs.push(`${path}: SDK ${JSON.stringify(a)}, node ${JSON.stringify(node)}`);
  return 1;
}
/// Kinds whose node JSON summarises the payload (a bundle's or anchor's decoded fields, counts)
/// instead of naming its items: their bytes round-trip in test/payloads.test.ts.
const summarised = new Set(["peg_receive", "peg_acknowledge", "peg_timeout", "sidechain_anchor", "peg_client_update"]);
const transactionFields = ["id", "chain", "kind", "sender", "sender_address", "nonce", "fee", "fee_units", "expiry", "signature",
  "signature_valid"];
let compared = 0;

let failures = 0;
const queue = [...txs];
async function worker(): Promise<void> {
  for (let tx = queue.shift(); tx; tx = queue.shift()) {
    let got: string;
    try {
      const { stdout } = await run(cli!, ["tx", "decode", tx.hex], { timeout: 20_000 });
      const j = JSON.parse(stdout);
      got = `${j.kind} ${j.id} ${j.signature_valid}`;
      for (const f of transactionFields) delete j[f];
      const diffs: string[] = [];
      const n = compare(tx.typedPayload(), j, "", diffs);
      compared += n;
      if (diffs.length > 0 || (n === 0 && !summarised.has(tx.kindName))) {
        failures++;
        console.log(`FAIL: the SDK's typed ${tx.kindName} payload and bfd-cli's JSON: ${n} fields compared; ${diffs.join("; ")}`);
      }
    } catch (e) {
      got = `undecodable: ${(e as { stderr?: string }).stderr?.trim() ?? String(e)}`;
    }
    if (got !== `${tx.kindName} ${tx.id} true`) {
      failures++;
      console.log(`FAIL: bfd-cli tx decode of the SDK's ${tx.kindName} (kind ${tx.kind.number}): ${got}`);
    }
  }
}
await Promise.all([worker(), worker(), worker()]);
console.log(`${failures === 0 ? "ok" : "FAIL"}: bfd-cli decodes the SDK's transactions of ${txs.length - failures} of ${txs.length} kinds; `
  + `${compared} payload fields of the SDK's typed decoding agree with bfd-cli's JSON`);
process.exit(failures === 0 && txs.length >= 42 ? 0 : 1);
