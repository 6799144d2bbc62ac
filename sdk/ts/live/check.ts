// The SDK against a real node (tests/sdk/ts_client_test.sh starts `bfd-node --dev` and runs this):
// transfers, a batch, a peg send, a vote and an ACL grant built and signed by the SDK, each to
// finality; balances, delegates, the peg message and a signed access read through the SDK; the
// node's refusals as BfdApiError. Prints `ok:` / `FAIL:` lines and, last, a JSON line of what
// the shell cross-checks with bfd-cli. Usage: node dist/live/check.js NODE_URL KEYS_DIR
import { readFileSync } from "node:fs";
import path from "node:path";
import { BfdApiError, BfdClient, KeyPair, Transaction, parseAmount, REASON_CODES, verify, verifyCertificate, voteHash, type ReasonName } from "@bfdchain/client";

const [node, keys] = process.argv.slice(2);
if (!node || !keys) throw new Error("usage: check.js NODE_URL KEYS_DIR");
const keyOf = (name: string) => KeyPair.fromKeyFile(readFileSync(path.join(keys, `${name}.json`), "utf8"));
const client = new BfdClient(node);
let failures = 0;
const check = (cond: boolean, what: string) => {
  console.log(`${cond ? "ok" : "FAIL"}: ${what}`);
  if (!cond) failures++;
};
const expectError = async (p: Promise<unknown>, code: string, status: number, what: string) => {
  try {
    await p;
    check(false, `${what}: accepted, expected ${code}`);
  } catch (e) {
    check(e instanceof BfdApiError && e.code === code && e.status === status && e.reasonCode === REASON_CODES[e.code as ReasonName],
      `${what}: ${e instanceof BfdApiError ? `${e.code} (${e.reasonCode}), HTTP ${e.status}` : String(e)}`);
  }
};
const fee = 10_000n;

// A transfer to a new address, to finality; both balances through the SDK.
const alice = keyOf("account-01");
const fresh = KeyPair.generate();
const aliceBefore = await client.account(alice.address);
const t = await client.transfer(alice, fresh.address, "1.25", { fee });
check(t.status === "final" && typeof t.height === "number", `transfer ${t.id.slice(0, 16)} final at height ${t.height}`);
const got = await client.account(fresh.address);
check(got.balanceUnits === 125_000_000n, `recipient holds ${got.balance} BFDT (1.25 expected)`);
const aliceAfter = await client.account(alice.address);
check(aliceBefore.balanceUnits - aliceAfter.balanceUnits === 125_000_000n + fee && aliceAfter.nonce === aliceBefore.nonce + 1,
  `sender paid 1.25 + fee: ${aliceBefore.balance} -> ${aliceAfter.balance}, nonce ${aliceAfter.nonce}`);
const block = await client.block(t.height!);
check(block.transactions.some((x: { id: string }) => x.id === t.id), `block ${t.height} lists the transfer`);

// The certificate of the newest final block: every vote signature verifies over the SDK's vote
// hash, by a delegate of the active cluster.
const cert = await client.certificate();
const link = { chain: 1, source_height: cert.source.height, source: cert.source.hash, height: cert.target.height, block: cert.target.hash };
const cluster = new Set((await client.delegates()).delegates.filter((d: { in_cluster: boolean }) => d.in_cluster).map((d: { key: string }) => d.key));
check(cert.signatures.length > 0 && cert.signatures.every((x: { signer: string; signature: string }) =>
  cluster.has(x.signer) && verify(x.signature, voteHash(link), x.signer)),
  `certificate ${cert.source.height} -> ${cert.target.height}: ${cert.signatures.length} vote signatures verify over voteHash`);

// "Final" from the node's answers alone: the final block, its certificate and the cluster the
// certificate names (GET /v1/clusters/{hash}) verify; tampered copies do not.
{
  const c = await client.certificate();
  const [finalBlock, members] = await Promise.all([client.block(c.source.height), client.cluster(c.cluster)]);
  check(verifyCertificate(finalBlock, c, members) === null,
    `verifyCertificate(block ${finalBlock.height}, certificate, cluster of ${members.member_count}): final`);
  const flipped = structuredClone(c);
  const sig = flipped.signatures[0].signature as string;
  flipped.signatures[0].signature = (sig[0] === "0" ? "1" : "0") + sig.slice(1);
  check(verifyCertificate(finalBlock, flipped, members) === "bad_confirmation", "a flipped signature byte: bad_confirmation");
  // Signers dropped until no more than 2/3 of the power remains.
  const power = (k: string) => parseAmount(members.members.find((m: { key: string }) => m.key === k).power);
  const dropped = structuredClone(c);
  const total = parseAmount(members.power);
  let signed = dropped.signatures.reduce((a: bigint, x: { signer: string }) => a + power(x.signer), 0n);
  while (3n * signed > 2n * total) signed -= power(dropped.signatures.pop().signer);
  check(verifyCertificate(finalBlock, dropped, members) === "not_final",
    `signers dropped to ${dropped.signatures.length} of ${c.signatures.length}: not_final`);
  const other = await client.block(c.source.height - 1);
  check(verifyCertificate(other, c, members) === "bad_proof", "the certificate against its parent block: bad_proof");
  await expectError(client.cluster("00".repeat(32)), "not_found", 404, "an unknown cluster hash");
}

// The account history: the transfer above is in both accounts' pages, newest first.
{
  const mine = await client.accountTxs(fresh.address);
  check(mine.txs.length === 1 && mine.txs[0].id === t.id && mine.txs[0].height === t.height && mine.more === false,
    `accountTxs(recipient): the transfer at height ${mine.txs[0]?.height}`);
  const first = await client.accountTxs(alice.address, { limit: 1 });
  const all = [...first.txs];
  let page = first;
  while (page.more && all.length < 500) {
    page = await client.accountTxs(alice.address, { cursor: page.next, limit: 50 });
    all.push(...page.txs);
  }
  const positions = all.map((x: { height: number; index: number }) => x.height * 1e6 + x.index);
  check(all.some((x: { id: string }) => x.id === t.id) && positions.every((p: number, i: number) => i === 0 || p < positions[i - 1]!),
    `accountTxs(sender): ${all.length} entries newest first, the transfer among them`);
  await expectError(client.accountTxs(alice.address, { limit: 101 }), "invalid_argument", 400, "a limit over 100");
}

// The node's refusals: the same transaction again (409 nonce_reused), a forged signature (400 bad_signature).
const info = await client.info();
const replay = Transaction.build({ chain: 1, kind: "transfer", sender: alice.publicKey, nonce: aliceBefore.nonce, fee,
  expiry: BigInt(info.head.height) + 100n, payload: { to: fresh.address, amount: "1.25" } }).sign(alice);
await expectError(client.submit(replay), "nonce_reused", 409, "a used nonce is refused");
const forged = Transaction.build({ chain: 1, kind: "transfer", sender: alice.publicKey, nonce: aliceAfter.nonce, fee,
  expiry: BigInt(info.head.height) + 100n, payload: { to: fresh.address, amount: "1" } });
forged.signature = new Uint8Array(64).fill(7);
await expectError(client.submit(forged), "bad_signature", 400, "a forged signature is refused");
await expectError(client.tx("00".repeat(32)), "not_found", 404, "an unknown transaction id");

// A batch of two transfers with consecutive nonces.
const bob = keyOf("account-02");
const bobAccount = await client.account(bob.address);
const batch = [0, 1].map((i) => Transaction.build({ chain: 1, kind: "transfer", sender: bob.publicKey, nonce: bobAccount.nonce + i,
  fee, expiry: BigInt(info.head.height) + 1000n, payload: { to: fresh.address, amount: "0.5" } }).sign(bob));
const answer = await client.submitBatch(batch);
check(answer.accepted === 2, `batch: ${answer.accepted} of 2 accepted`);
for (const tx of batch) await client.waitFinal(tx.id, 30_000);
const afterBatch = await client.account(fresh.address);
check(afterBatch.balanceUnits === 225_000_000n, `after the batch the recipient holds ${afterBatch.balance} (2.25 expected)`);

// A peg send of 1 BFDT to chain 2 (kind 10), to finality on chain 1; its message appears.
const carol = keyOf("account-03");
const sent = (await client.peg()).sent as number;
const pegSentAt = Date.now();
const peg = await client.pegSend(carol, { toChain: 2, to: fresh.address, amount: "1" }, { fee });
check(peg.status === "final", `peg_send ${peg.id.slice(0, 16)} final at height ${peg.height}`);
const message = await client.pegMessage(`1:${sent}`);
check(message.source === 1 && message.sequence === sent && ["in_flight", "delivered"].includes(message.state),
  `peg message 1:${sent} is ${message.state}`);

// A vote (kind 3) of 3 BFDT to the first delegate: its votes grow by that much.
const dave = keyOf("account-04");
const vm = (await client.delegates()).delegates[0];
const vote = await client.send(dave, "vote", { vm: vm.key, amount: "3" }, { fee });
check(vote.status === "final", `vote ${vote.id.slice(0, 16)} final at height ${vote.height}`);
const vmAfter = (await client.delegates()).delegates.find((d: { key: string }) => d.key === vm.key);
check(parseAmount(vmAfter.votes) - parseAmount(vm.votes) === 300_000_000n, `delegate votes ${vm.votes} -> ${vmAfter.votes}`);

// An ACL grant (kind 20) by the dev admin (its key holds no BFDT: fee 0), then a signed access read that shows it.
const admin = keyOf("registry");
const erin = keyOf("account-05");
const before = await client.accessCheck(erin.address, "sidechain:2", "read", admin);
check(before.allowed === false, `access check before the grant: allowed ${before.allowed}`);
const grant = await client.aclGrant(admin, { scope: "sidechain", scope_id: 2, account: erin.address, permissions: ["read"] }, { fee: 0 });
check(grant.status === "final", `acl_grant ${grant.id.slice(0, 16)} final at height ${grant.height}`);
const allowed = await client.accessCheck(erin.address, "sidechain:2", "read", admin);
check(allowed.allowed === true, `access check after the grant: ${JSON.stringify(allowed)}`);
await expectError(client.accessCheck(erin.address, "sidechain:2", "read", KeyPair.generate()), "access_denied", 403,
  "a signed read by an account without read");

// The bridge carries it to chain 2, which acknowledges it (bounded wait, counted from the send: the
// other kinds above ran meanwhile).
const deadline = pegSentAt + 60_000;
let carried = message;
while (carried.state !== "delivered" && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 300));
  carried = await client.pegMessage(`1:${sent}`);
}
check(carried.state === "delivered" && carried.received_on?.[0]?.chain === 2 && carried.received_on[0].acknowledged === "success",
  `peg message 1:${sent} delivered to chain 2: ${JSON.stringify(carried.received_on)}`);

const vouchers = (await client.chain(2).peg()).vouchers.find((v: { denom: string }) => v.denom === "peg/1/BFDT");
check(vouchers !== undefined && parseAmount(vouchers.supply) >= 100_000_000n, `chain 2's peg ledger: peg/1/BFDT supply ${vouchers?.supply}`);

// Reads of the other modules through their routes: the service registry (empty on a fresh dev
// node: an unknown service is 404 unknown_service), contract templates on chain 2.
const services = await client.services();
check(Array.isArray(services.services) && services.count === services.services.length, `services: ${services.count} listed`);
await expectError(client.resolveService(1, 2), "unknown_service", 404, "resolving a service that does not exist");
const templates = await client.chain(2).contractTemplates();
check(Array.isArray(templates.templates), `chain 2 contract templates: ${templates.templates?.length} listed`);
check((await client.chain(2).info()).chain === 2, "client.chain(2) reads chain 2");

console.log(JSON.stringify({ recipient: fresh.address, recipient_units: afterBatch.balanceUnits.toString(),
  sender: alice.address, sender_units: aliceAfter.balanceUnits.toString(), failures }));
process.exit(failures === 0 ? 0 : 1);
