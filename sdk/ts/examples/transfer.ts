// Transfers 2.5 BFDT to finality against `bfd-node --dev` (the README's TypeScript example).
// Usage: node dist/examples/transfer.js KEY_FILE TO_ADDRESS [NODE_URL]
import { readFileSync } from "node:fs";
import { BfdClient, KeyPair } from "@bfdchain/client";

const [keyFile, to, node = "http://127.0.0.1:8645"] = process.argv.slice(2);
if (!keyFile || !to) throw new Error("usage: transfer.js KEY_FILE TO_ADDRESS [NODE_URL]");

// A key file as `bfd-cli key new` writes it (bfd-node --dev: DATA_DIR/keys/account-00.json).
const key = KeyPair.fromKeyFile(readFileSync(keyFile, "utf8"));
const client = new BfdClient(node);

const before = await client.account(to);
// Signs with the next nonce, submits, and polls the status route until the block is final.
const status = await client.transfer(key, to, "2.5");
const after = await client.account(to);

console.log(`transaction ${status.id} final at height ${status.height}`);
console.log(`${to}: ${before.balance} -> ${after.balance} BFDT`);
