// Requests every route of a running bfd-node (set up by openapi_node_test.sh) and holds each
// answer's status, content type and body against docs/openapi.yaml (lib/spec.mjs: Ajv, objects
// closed). Fails when
//   - a route of the node's table (`bfd-node --routes`) is not in openapi.yaml, or back;
//   - an answer's status differs from the one this script expects (so a 200 the setup should
//     have made possible cannot quietly turn into a 404 that validates);
//   - an answer does not hold against the spec;
//   - a route got no 2xx answer and is not in SKIP_2XX below with its reason.
// Usage: node check_node.mjs --spec docs/openapi.yaml --routes ROUTES.txt --base URL --cli BFD_CLI
//          --context CONTEXT.json [--exchanges OUT.json]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { routeDrift, Spec } from "./lib/spec.mjs";

const { values: args } = parseArgs({
  options: {
    spec: { type: "string" }, routes: { type: "string" }, base: { type: "string" },
    cli: { type: "string" }, context: { type: "string" }, exchanges: { type: "string" },
  },
});
for (const k of ["spec", "routes", "base", "cli", "context"])
  if (!args[k]) {
    console.error(`check_node: --${k} is required`);
    process.exit(2);
  }

/// Routes whose 2xx answer this test does not reach, each with why; they are still requested and
/// their refusals validated. Keep this list short: each entry is a hole in the guarantee.
/// The unprefixed routes serve the mainchain, which has no contracts, DS or funds module: each of
/// those is checked (below) to be the very operation its /v1/chains/{chain} twin is (one YAML
/// anchor), and that twin must get a validated 2xx.
const MAIN_HAS_NO = ["contracts/templates", "contracts/templates/after/{id}", "contracts/templates/{id}",
  "contracts/{address}", "contracts/{address}/events", "contracts/{address}/events/{from}", "contracts/{address}/state",
  "contracts/{address}/state/{key}", "ds", "ds/{section}", "ds/{section}/{from}", "funds", "funds/holders"];
const SKIP_2XX = new Map(MAIN_HAS_NO.map((r) => [`GET /v1/${r}`,
  `the mainchain has no such module; the same operation is validated with a 2xx as GET /v1/chains/{chain}/${r}`]));
const TWIN_OF = new Map(MAIN_HAS_NO.map((r) => [`GET /v1/${r}`, `GET /v1/chains/{chain}/${r}`]));

const began = performance.now();
/// Progress with the time since the start (a slow section shows under load).
const mark = (what) => console.log(`[check ${((performance.now() - began) / 1000).toFixed(1)} s] ${what}`);
const spec = new Spec(args.spec);
const ctx = JSON.parse(readFileSync(args.context, "utf8"));
const table = readFileSync(args.routes, "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
const failures = [];
const exchanges = [];
const fail = (what) => failures.push(what);

// --- the route table against the spec, both ways ------------------------------------------------
const served = new Set(table);
routeDrift(table, spec.operations()).forEach(fail);
for (const op of SKIP_2XX.keys()) if (!served.has(op)) fail(`${op}: listed as skipped but not a route`);
for (const [op, twin] of TWIN_OF) {
  const [, a] = op.split(" ");
  const [, b] = twin.split(" ");
  if (JSON.stringify(spec.doc.paths[a]?.get) !== JSON.stringify(spec.doc.paths[b]?.get))
    fail(`${op}: skipped as the same operation as ${twin}, but openapi.yaml describes them differently`);
}

// --- requests -----------------------------------------------------------------------------------
/// The X-Bfd-* headers of a signed GET (docs/formats.md §15a), from `bfd-cli key sign-read`.
function signed(target, key, chain) {
  const out = execFileSync(args.cli, ["key", "sign-read", target, "--key", key, "--chain", String(chain)],
    { encoding: "utf8" });
  const headers = {};
  for (const line of out.split("\n")) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line.trim());
    if (m) headers[m[1]] = m[2];
  }
  if (Object.keys(headers).length !== 3) throw new Error(`key sign-read ${target}: ${out}`);
  return headers;
}

/// bfd-cli's signed transfer as hex, not submitted.
function offlineTransfer({ key, to, amount, nonce, expiry, chain }) {
  const argv = ["transfer", "--offline", "--key", key, "--to", to, "--amount", amount, "--nonce", String(nonce),
    "--expiry", String(expiry)];
  if (chain) argv.push("--chain", String(chain));
  return execFileSync(args.cli, argv, { encoding: "utf8" }).trim();
}

/// One request: `route` is the template it is checked under, `expect` the status it must get.
/// Returns the parsed JSON body (or the text) for the requests that follow.
async function call(route, target, expect, { method = "GET", body, contentType = "application/json",
  sign } = {}) {
  const headers = {};
  if (sign) Object.assign(headers, signed(target, sign.key, sign.chain));
  if (body !== undefined) headers["Content-Type"] = contentType;
  let res;
  let text;
  const t0 = performance.now();
  try {
    res = await fetch(args.base + target, { method, headers, body, signal: AbortSignal.timeout(15000) });
    text = await res.text();
  } catch (e) {
    fail(`${method} ${target}: no answer: ${e.message}`);
    return undefined;
  }
  const ct = res.headers.get("content-type") ?? "";
  exchanges.push({ method, route, target, status: res.status, content_type: ct, body: text,
    ms: Math.round(performance.now() - t0) });
  const where = `${method} ${target} (${route}) -> ${res.status}`;
  if (!served.has(`${method} ${route}`)) fail(`${where}: the test names a route the node does not serve`);
  if (res.status !== expect) fail(`${where}: expected ${expect}: ${text.slice(0, 300)}`);
  for (const p of spec.check({ method, route, status: res.status, contentType: ct, body: text }))
    fail(`${where}: ${p}`);
  try {
    return ct.startsWith("application/json") ? JSON.parse(text) : text;
  } catch {
    return undefined;
  }
}

const get = (route, target, expect = 200, opts = {}) => call(route, target, expect, opts);
/// The route under both prefixes: unprefixed (the mainchain) and /v1/chains/{chain} for `chain`.
async function both(suffix, path, expect = 200, { chain = 1, unprefixed = expect, ...opts } = {}) {
  await get(`/v1${suffix}`, `/v1${path}`, unprefixed, opts);
  return get(`/v1/chains/{chain}${suffix}`, `/v1/chains/${chain}${path}`, expect, opts);
}
const zeros = "0".repeat(64);
const { keys, addr } = ctx;
const keyOf = (name) => `${keys}/${name}.json`;

mark("node routes");
// Node routes.
await get("/healthz", "/healthz");
await get("/metrics", "/metrics");
// The explorer's files (the node finds the repository's explorer/ beside its build).
await get("/explorer/", "/explorer/");
await get("/explorer/{file}", "/explorer/app.js");
await get("/explorer/{file}", "/explorer/style.css");
await get("/explorer/{file}", "/explorer/missing.js", 404);
const chains = await get("/v1/chains", "/v1/chains");
await get("/v1/chains/{chain}", "/v1/chains/8");
await get("/v1/chains/{chain}", "/v1/chains/99", 404);
await get("/v1/chains/{chain}", "/v1/chains/x", 400);
const sidechains = await get("/v1/sidechains", "/v1/sidechains");
if (!Array.isArray(chains?.chains) || chains.chains.length !== 8) fail(`/v1/chains: expected 8 chains: ${JSON.stringify(chains)?.slice(0, 200)}`);

mark("chain basics");
// Chain basics: info, blocks, transactions, accounts, delegates, schedule, certificate.
for (const c of [1, 8]) {
  const info = await get("/v1/chains/{chain}/info", `/v1/chains/${c}/info`);
  const final = info?.final?.height ?? 1;
  await get("/v1/chains/{chain}/blocks/{id}", `/v1/chains/${c}/blocks/${final}`);
  await get("/v1/chains/{chain}/blocks/{id}", `/v1/chains/${c}/blocks/${info?.final?.hash ?? zeros}`);
}
await get("/v1/info", "/v1/info");
await both("/blocks/{id}", "/blocks/0");
await both("/blocks/{id}", "/blocks/99999999", 404);
await both("/blocks/{id}", "/blocks/abc", 400);
// A final transfer (made by the setup) and the block holding it: a transaction's full JSON.
const tx = await both("/txs/{id}", `/txs/${ctx.transfer_tx}`);
if (tx?.status === "final" && Number.isInteger(tx?.height)) await both("/blocks/{id}", `/blocks/${tx.height}`);
else fail(`the setup's transfer ${ctx.transfer_tx} is not final in a block: ${JSON.stringify(tx)?.slice(0, 300)}`);
mark("blocks with transactions");
// Every block of the setup's kinds, so every payload's JSON fields are checked (blocks list them).
// (Found by a scan, one request at a time: parallel requests hold more of the bridge's workers
// with kept-alive connections than it has, and then wait; then requested again as checked exchanges.)
for (const c of [1, 2, 7, 8]) {
  const top = (await (await fetch(`${args.base}/v1/chains/${c}/info`)).json()).final.height;
  for (let h = 1; h <= top; ++h) {
    const block = await (await fetch(`${args.base}/v1/chains/${c}/blocks/${h}`, { signal: AbortSignal.timeout(15000) })).json();
    if (block?.transactions?.length) await get("/v1/chains/{chain}/blocks/{id}", `/v1/chains/${c}/blocks/${h}`);
  }
}
await both("/txs/{id}", `/txs/${"f".repeat(64)}`, 404);
await both("/txs/{id}", "/txs/xyz", 400);
await both("/accounts/{address}", `/accounts/${addr.alice}`);
await both("/accounts/{address}", "/accounts/bfd00", 400);
await both("/delegates", "/delegates", 200, { chain: 8 });
await both("/schedule", "/schedule", 200, { chain: 8 });
await both("/certificate", "/certificate", 200, { chain: 8 });
// The cluster each chain's certificate names (its members in selection order); an unknown hash.
for (const c of [1, 8]) {
  const cert = await get("/v1/chains/{chain}/certificate", `/v1/chains/${c}/certificate`);
  await get("/v1/chains/{chain}/clusters/{hash}", `/v1/chains/${c}/clusters/${cert?.cluster ?? zeros}`);
}
const cert1 = await get("/v1/certificate", "/v1/certificate");
await get("/v1/clusters/{hash}", `/v1/clusters/${cert1?.cluster ?? zeros}`);
await both("/clusters/{hash}", `/clusters/${zeros}`, 404);
await both("/clusters/{hash}", "/clusters/xyz", 400);
// The account history: the setup's transfer reached alice; a page of one, the next page by its
// cursor, and the refusals of a bad limit, cursor and parameter.
const page1 = await both("/accounts/{address}/txs", `/accounts/${addr.alice}/txs?limit=1`);
if (!page1?.txs?.length) fail(`/accounts/${addr.alice}/txs: alice's history is empty: ${JSON.stringify(page1)?.slice(0, 200)}`);
if (page1?.more) await both("/accounts/{address}/txs", `/accounts/${addr.alice}/txs?limit=2&cursor=${page1.next}`);
await both("/accounts/{address}/txs", `/accounts/${addr.alice}/txs?limit=0`, 400);
await both("/accounts/{address}/txs", `/accounts/${addr.alice}/txs?cursor=12`, 400);
await both("/accounts/{address}/txs", "/accounts/bfd00/txs", 400);

mark("submissions");
// Submissions: hex made by bfd-cli --offline, a replay, refusals.
const head = (await get("/v1/info", "/v1/info"))?.head?.height ?? 0;
const sub = { key: keyOf("account-07"), to: addr.alice, amount: "1", expiry: head + 500 };
const t0 = offlineTransfer({ ...sub, nonce: 0 });
const admitted = await get("/v1/txs", "/v1/txs", 202, { method: "POST", body: JSON.stringify({ hex: t0 }) });
await get("/v1/txs", "/v1/txs", 202, { method: "POST", body: JSON.stringify({ hex: t0 }) });  // already pending
const rival = offlineTransfer({ ...sub, amount: "2", nonce: 0 });  // the same nonce, the same fee
await get("/v1/txs", "/v1/txs", 409, { method: "POST", body: JSON.stringify({ hex: rival }) });
await get("/v1/txs", "/v1/txs", 400, { method: "POST", body: JSON.stringify({ hex: "zz" }) });
await get("/v1/txs", "/v1/txs", 415, { method: "POST", body: "a=b", contentType: "multipart/form-data; boundary=x" });
await get("/v1/txs", "/v1/txs", 413, { method: "POST", body: " ".repeat(300 * 1024) });
await get("/v1/txs/{id}", `/v1/txs/${admitted?.id ?? zeros}`);
const t1 = offlineTransfer({ ...sub, nonce: 1 });
await get("/v1/txs/batch", "/v1/txs/batch", 200, { method: "POST", body: JSON.stringify({ txs: [t1, "zz"] }) });
await get("/v1/txs/batch", "/v1/txs/batch", 400, { method: "POST", body: "[]" });
const head8 = (await get("/v1/chains/{chain}/info", "/v1/chains/8/info"))?.head?.height ?? 0;
const s8 = { ...sub, chain: 8, expiry: head8 + 500, amount: "1" };
const t8 = offlineTransfer({ ...s8, nonce: 0 });
await get("/v1/chains/{chain}/txs", "/v1/chains/8/txs", 202, { method: "POST", body: JSON.stringify({ hex: t8 }) });
await get("/v1/chains/{chain}/txs", "/v1/chains/8/txs", 400, { method: "POST", body: "{}" });
await get("/v1/chains/{chain}/txs/batch", "/v1/chains/8/txs/batch", 200,
  { method: "POST", body: JSON.stringify({ txs: [offlineTransfer({ ...s8, nonce: 1 })] }) });
await get("/v1/chains/{chain}/txs/batch", "/v1/chains/8/txs/batch", 400, { method: "POST", body: "{\"txs\": 5}" });

mark("access");
// Access control: public scopes, protected scopes and accounts (signed reads), checks.
const admin = { key: keyOf("registry"), chain: 1 };
await both("/access/scopes/{scope}", "/access/scopes/global");
await get("/v1/chains/{chain}/access/scopes/{scope}", "/v1/chains/8/access/scopes/sidechain:8", 200,
  { sign: { key: keyOf("account-00"), chain: 8 } });
await both("/access/scopes/{scope}", "/access/scopes/fund_group:7", 401);
await get("/v1/access/scopes/{scope}", "/v1/access/scopes/fund_group:7", 403, { sign: { key: keyOf("account-05"), chain: 1 } });
await both("/access/scopes/{scope}", "/access/scopes/galaxy", 400);
await get("/v1/access/accounts/{address}", `/v1/access/accounts/${addr.alice}`, 200, { sign: admin });
await get("/v1/chains/{chain}/access/accounts/{address}", `/v1/chains/8/access/accounts/${addr.alice}`, 200,
  { sign: { key: keyOf("account-00"), chain: 8 } });
await both("/access/accounts/{address}", `/access/accounts/${addr.alice}`, 401);
await both("/access/accounts/{address}", "/access/accounts/bfd00", 400);
await both("/access/check/{address}/{scope}/{permission}", `/access/check/${addr.alice}/global/admin`);
await get("/v1/chains/{chain}/access/check/{address}/{scope}/{permission}",
  `/v1/chains/8/access/check/${addr.alice}/sidechain:8/write`, 200, { sign: { key: keyOf("account-00"), chain: 8 } });
await both("/access/check/{address}/{scope}/{permission}", `/access/check/${addr.alice}/global/fly`, 400);

mark("contracts");
// Contracts on chain 7 (the setup published a template, deployed and called a token).
const c7 = "/v1/chains/7/contracts";
const templates = await get("/v1/chains/{chain}/contracts/templates", `${c7}/templates`);
const tmpl = templates?.templates?.[0]?.id ?? zeros;
await get("/v1/chains/{chain}/contracts/templates/after/{id}", `${c7}/templates/after/${zeros}`);
await get("/v1/chains/{chain}/contracts/templates/after/{id}", `${c7}/templates/after/xyz`, 400);
await get("/v1/chains/{chain}/contracts/templates/{id}", `${c7}/templates/${tmpl}`);
await get("/v1/chains/{chain}/contracts/templates/{id}", `${c7}/templates/${"f".repeat(64)}`, 404);
await get("/v1/chains/{chain}/contracts/{address}", `${c7}/${ctx.contract}`);
await get("/v1/chains/{chain}/contracts/{address}", `${c7}/bfd00`, 400);
await get("/v1/chains/{chain}/contracts/{address}/events", `${c7}/${ctx.contract}/events`);
await get("/v1/chains/{chain}/contracts/{address}/events/{from}", `${c7}/${ctx.contract}/events/0`);
await get("/v1/chains/{chain}/contracts/{address}/events/{from}", `${c7}/${ctx.contract}/events/x`, 400);
const reader = { key: keyOf("account-03"), chain: 7 };
const state = await get("/v1/chains/{chain}/contracts/{address}/state", `${c7}/${ctx.contract}/state`, 200, { sign: reader });
await get("/v1/chains/{chain}/contracts/{address}/state", `${c7}/${ctx.contract}/state`, 401);
await get("/v1/chains/{chain}/contracts/{address}/state", `${c7}/${ctx.contract}/state?after=zz`, 400);
const skey = state?.keys?.[0]?.key ?? state?.keys?.[0] ?? "00";
await get("/v1/chains/{chain}/contracts/{address}/state/{key}", `${c7}/${ctx.contract}/state/${skey}`, 200, { sign: reader });
await get("/v1/chains/{chain}/contracts/{address}/state/{key}", `${c7}/${ctx.contract}/state/${skey}`, 401);
// The mainchain has no contracts module: the unprefixed routes answer 404 (kind_not_enabled).
await get("/v1/contracts/templates", "/v1/contracts/templates", 404);
await get("/v1/contracts/templates/after/{id}", `/v1/contracts/templates/after/${zeros}`, 404);
await get("/v1/contracts/templates/{id}", `/v1/contracts/templates/${zeros}`, 404);
await get("/v1/contracts/{address}", `/v1/contracts/${ctx.contract}`, 404);
await get("/v1/contracts/{address}/events", `/v1/contracts/${ctx.contract}/events`, 404);
await get("/v1/contracts/{address}/events/{from}", `/v1/contracts/${ctx.contract}/events/0`, 404);
await get("/v1/contracts/{address}/state", `/v1/contracts/${ctx.contract}/state`, 404, { sign: { key: keyOf("account-03"), chain: 1 } });
await get("/v1/contracts/{address}/state/{key}", `/v1/contracts/${ctx.contract}/state/00`, 404, { sign: { key: keyOf("account-03"), chain: 1 } });

// Health figures of the contract on chain 7.
await both("/health", `/health?contract=${ctx.contract}&from=1`, 200, { chain: 7 });
await both("/health", `/health?contract=${ctx.contract}`, 400, { chain: 7 });

mark("ds");
// DS metadata on chain 8 (the setup registered the fund, a member, a raise, a rate, an issuance, a usage).
await both("/ds", "/ds", 200, { chain: 8, unprefixed: 404 });
for (const section of ["rates", "issuances", "usage"]) {
  const page = await both("/ds/{section}", `/ds/${section}`, 200, { chain: 8, unprefixed: 404 });
  if (!(page?.total >= 1)) fail(`/v1/chains/8/ds/${section}: expected at least one entry: ${JSON.stringify(page)}`);
  await both("/ds/{section}/{from}", `/ds/${section}/0`, 200, { chain: 8, unprefixed: 404 });
}
const founder = { key: keyOf("account-00"), chain: 8 };
const members = await get("/v1/chains/{chain}/ds/{section}", "/v1/chains/8/ds/members", 200, { sign: founder });
if (!(members?.total >= 1)) fail(`/v1/chains/8/ds/members: expected a member: ${JSON.stringify(members)}`);
await get("/v1/chains/{chain}/ds/{section}/{from}", `/v1/chains/8/ds/members/${addr.alice}`, 200, { sign: founder });
await get("/v1/chains/{chain}/ds/{section}", "/v1/chains/8/ds/members", 401);
await get("/v1/chains/{chain}/ds/{section}", "/v1/chains/8/ds/members", 403, { sign: { key: keyOf("account-05"), chain: 8 } });
await get("/v1/chains/{chain}/ds/{section}", "/v1/chains/8/ds/colours", 400);

// Funds on chain 8.
await both("/funds", "/funds", 200, { chain: 8, unprefixed: 404 });
const holders = await both("/funds/holders", "/funds/holders", 200, { chain: 8, unprefixed: 404 });
if (!(holders?.holders?.length >= 1)) fail(`/v1/chains/8/funds/holders: expected the setup's subscriber: ${JSON.stringify(holders)}`);
await get("/v1/chains/{chain}/funds/holders", "/v1/chains/8/funds/holders?from=zz", 400);

mark("peg");
// Peg: the ledgers, the setup's message, refusals; an anchoring proof of chain 2.
await both("/peg", "/peg", 200, { chain: 2 });
await get("/v1/peg/messages/{id}", `/v1/peg/messages/${ctx.peg_message}`);
await get("/v1/peg/messages/{id}", "/v1/peg/messages/1:999999", 404);
await get("/v1/peg/messages/{id}", "/v1/peg/messages/1-0", 400);
const anchored = sidechains?.sidechains?.find((s) => s.id === 2)?.anchored?.height;
if (anchored === undefined) fail(`/v1/sidechains: chain 2 has no anchored height: ${JSON.stringify(sidechains)?.slice(0, 300)}`);
await get("/v1/chains/{chain}/anchor/{height}", `/v1/chains/2/anchor/${anchored ?? 1}`);
await get("/v1/chains/{chain}/anchor/{height}", "/v1/chains/2/anchor/x", 400);
await get("/v1/chains/{chain}/anchor/{height}", "/v1/chains/1/anchor/1", 404);

// The service registry (the setup registered service 1).
await both("/services", "/services");
await both("/services", "/services?from=x", 400);
const service = await both("/services/{service}", "/services/1");
if (!service?.rollout) fail(`/v1/chains/1/services/1: expected the setup's canary rollout: ${JSON.stringify(service)?.slice(0, 300)}`);
await both("/services/{service}", `/services/${ctx.service_uuid}`);
await both("/services/{service}", "/services/9", 404);
await both("/services/{service}", "/services/x1", 400);
await both("/services/{service}/resolve/{chain_id}", "/services/1/resolve/2");
await both("/services/{service}/resolve/{chain_id}", "/services/x/resolve/2", 400);

// The credential authority (the setup made a group).
await both("/authority/groups/{group}", `/authority/groups/${ctx.group}`);
await both("/authority/groups/{group}", `/authority/groups/${"a".repeat(64)}`, 404);
await both("/authority/groups/{group}", `/authority/groups/${"a".repeat(63)}`, 400);

mark("handshakes");
// The handshake mailbox: one session through every step.
{
  const hs = "/v1/handshakes";
  const one = "/v1/handshakes/{id}";
  const post = (route, target, expect, body) => get(route, target, expect, { method: "POST", body: JSON.stringify(body) });
  const opened = await post(hs, hs, 201, { to: addr.bob, message: "01aa" });
  const id = opened?.id ?? "0".repeat(32);
  await post(hs, hs, 400, { to: addr.bob });
  await get(hs, `${hs}?to=${addr.bob}`);
  await get(hs, hs, 400);
  await get(one, `${hs}/${id}`);
  await get(one, `${hs}/${"0".repeat(32)}`, 404);
  await post(`${one}/finish`, `${hs}/${id}/finish`, 409, { message: "01" });
  await post(`${one}/reply`, `${hs}/${id}/reply`, 200, { message: "02bb" });
  await post(`${one}/reply`, `${hs}/${id}/reply`, 409, { message: "02bb" });
  await post(`${one}/finish`, `${hs}/${id}/finish`, 400, { message: "zz" });
  await post(`${one}/finish`, `${hs}/${id}/finish`, 200, { message: "03cc" });
  await post(`${one}/payment`, `${hs}/${"1".repeat(32)}/payment`, 404, { message: "04" });
  await post(`${one}/payment`, `${hs}/${id}/payment`, 200, { message: "04dd" });
  await get(one, `${hs}/${id}`);
}

mark("coverage");
// --- coverage -----------------------------------------------------------------------------------
const ok2xx = new Set(exchanges.filter((e) => e.status >= 200 && e.status < 300).map((e) => `${e.method} ${e.route}`));
const touched = new Set(exchanges.map((e) => `${e.method} ${e.route}`));
for (const op of served) {
  if (!touched.has(op)) fail(`${op}: never requested`);
  else if (!ok2xx.has(op) && !SKIP_2XX.has(op)) fail(`${op}: no 2xx answer validated, and not listed as skipped`);
  else if (ok2xx.has(op) && SKIP_2XX.has(op)) fail(`${op}: listed as skipped but answered 2xx: take it off the list`);
  if (TWIN_OF.has(op) && !ok2xx.has(TWIN_OF.get(op))) fail(`${op}: skipped for its twin ${TWIN_OF.get(op)}, which got no 2xx`);
}
const slow = [...exchanges].sort((a, b) => b.ms - a.ms).slice(0, 5);
console.log(`slowest answers: ${slow.map((e) => `${e.method} ${e.target.slice(0, 60)} ${e.ms} ms`).join("; ")}`);
console.log(`time: ${Math.round(performance.now() / 1000)} s in all, ${Math.round(exchanges.reduce((n, e) => n + e.ms, 0) / 1000)} s in requests (with signing)`);
if (args.exchanges) writeFileSync(args.exchanges, JSON.stringify(exchanges, null, 1));
for (const f of failures) console.log(`FAIL: ${f}`);
for (const [op, why] of SKIP_2XX) console.log(`skipped 2xx: ${op}: ${why}`);
console.log(`check_node: ${exchanges.length} answers, ${touched.size}/${served.size} routes requested, `
  + `${ok2xx.size} with a validated 2xx, ${SKIP_2XX.size} skipped, ${failures.length} failures`);
process.exit(failures.length ? 1 : 0);
