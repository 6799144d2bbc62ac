// One signed transaction of every kind, built by the SDK, decoded by `bfd-cli tx decode` (the C++
// codec, which re-encodes and compares): the kind, id and a valid signature must come back.
// Prints `ok:` / `FAIL:` lines; exit code 1 on a failure. Usage: node dist/live/kinds.js PATH/TO/bfd-cli
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { KeyPair, KINDS, Transaction, type KindName, type TxFields } from "@bfdchain/client";
import { samplePayloads } from "./samples.js";

const cli = process.argv[2];
if (!cli) throw new Error("usage: kinds.js BFD_CLI");
const run = promisify(execFile);
const key = KeyPair.generate();
const samples = samplePayloads();
const txs = KINDS.map((k) => Transaction.build({ chain: 1, kind: k.name, sender: key.publicKey, nonce: 3, fee: 10_000, expiry: 500,
  payload: samples[k.name] as TxFields<KindName>["payload"] }).sign(key));

let failures = 0;
const queue = [...txs];
async function worker(): Promise<void> {
  for (let tx = queue.shift(); tx; tx = queue.shift()) {
    let got: string;
    try {
      const { stdout } = await run(cli!, ["tx", "decode", tx.hex], { timeout: 20_000 });
      const j = JSON.parse(stdout);
      got = `${j.kind} ${j.id} ${j.signature_valid}`;
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
console.log(`${failures === 0 ? "ok" : "FAIL"}: bfd-cli decodes the SDK's transactions of ${txs.length - failures} of ${txs.length} kinds`);
process.exit(failures === 0 && txs.length >= 42 ? 0 : 1);
