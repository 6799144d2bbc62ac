// Drives the web explorer in headless Chromium (playwright-core, Debian's /usr/bin/chromium)
// against a running bfd-node (started by explorer_test.sh). Fails on any console error, uncaught
// page error, failed request or HTTP answer >= 400 while it browses; checks that heights move and
// blocks turn final live, that a transfer submitted with bfd-cli is found through the search box
// and shown pending or included and then final, and that height and address searches land on
// their pages. One screenshot per page in --out.
// Usage: node explorer.mjs --base URL --cli BFD_CLI --key KEY.json --to ADDR --chromium PATH --out DIR
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    base: { type: "string" }, cli: { type: "string" }, key: { type: "string" }, to: { type: "string" },
    "peg-key": { type: "string" },
    chromium: { type: "string" }, out: { type: "string" },
  },
});
for (const k of ["base", "cli", "key", "to", "peg-key", "chromium", "out"])
  if (!args[k]) {
    console.error(`explorer.mjs: --${k} is required`);
    process.exit(2);
  }

const began = performance.now();
const mark = (what) => console.log(`[browser ${((performance.now() - began) / 1000).toFixed(1)} s] ${what}`);
const problems = [];
let checks = 0;
const check = (ok, what) => {
  checks++;
  if (!ok) problems.push(what);
  console.log(`${ok ? "ok" : "FAIL"}: ${what}`);
};

// Chromium refuses to run as root with its sandbox on; CI and these machines run as root.
const browserArgs = ["--disable-dev-shm-usage", "--disable-gpu"];
if (process.getuid?.() === 0) browserArgs.push("--no-sandbox");
const browser = await chromium.launch({ executablePath: args.chromium, headless: true, args: browserArgs });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(20000);

// Everything that would show a user something broke.
page.on("console", (m) => {
  if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
page.on("requestfailed", (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
page.on("response", (r) => {
  if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
});

const base = args.base.replace(/\/$/, "");
const shot = async (name) => {
  await page.screenshot({ path: join(args.out, `${name}.png`), fullPage: true });
  mark(`screenshot ${name}.png`);
};
const visit = async (hash) => {
  await page.goto(`${base}/explorer/${hash}`);
};
const text = (sel) => page.locator(sel).first().innerText();

// A peg transfer to chain 2 runs beside the first pages: the peg page then has a message to show
// with its state. bfd-cli prints the message id once the send is final and then follows it; its
// delivery is the bridge's business (docs/peg.md), so any state counts here, shown as it is.
const pegDone = new Promise((resolve) => {
  execFile(args.cli, ["peg", "send", "--to-chain", "2", "--to", args.to, "--amount", "1", "--key", args["peg-key"],
    "--timeout", "10"], { encoding: "utf8", timeout: 30000 }, (err, stdout, stderr) =>
    resolve({ out: String(stdout), err: err ? String(stderr).trim().split("\n").at(-1) : "" }));
});

try {
  // Overview: every chain with its heights; the mainchain's final height moves while we watch.
  await visit("#/");
  await page.waitForSelector('tr[data-chain="1"] td.final a');
  const rows = await page.locator("tr[data-chain]").count();
  check(rows === 8, `the overview lists the 8 chains of --dev --sidechains 7 (${rows})`);
  const firstFinal = Number(await text('tr[data-chain="1"] td.final'));
  await page.waitForFunction((h) => Number(document.querySelector('tr[data-chain="1"] td.final')?.innerText) > h,
    firstFinal, { timeout: 20000 });
  const laterFinal = Number(await text('tr[data-chain="1"] td.final'));
  check(laterFinal > firstFinal, `the overview's final height of chain 1 moves live (${firstFinal} -> ${laterFinal})`);
  await shot("overview");

  // A chain: latest blocks, which turn final.
  await visit("#/chain/1");
  await page.waitForSelector('tr[data-height] .status[data-status="final"]');
  check((await page.locator("tr[data-height]").count()) >= 2, "the chain page lists the latest blocks");
  await shot("chain");

  await visit("#/chain/1/block/1");
  await page.waitForSelector('h1 .status[data-status="final"]');
  check((await text("h1")).startsWith("Block 1 of chain 1"), "block 1 by height, final");
  await shot("block");

  await visit("#/chain/1/delegates");
  await page.waitForSelector("h2:has-text('Schedule of round')");
  check((await page.locator("table").nth(1).locator("tbody tr").count()) >= 1, "the delegates page lists delegates");
  check((await page.locator("tr.current").count()) <= 1, "at most one current slot is highlighted");
  await shot("delegates");

  // A transfer with the real bfd-cli, found through the search box, then final on the page.
  await visit("#/chain/1");
  await page.waitForSelector("tr[data-height]");
  const submitted = execFileSync(args.cli, ["transfer", "--key", args.key, "--to", args.to, "--amount", "1.25", "--no-wait"],
    { encoding: "utf8", timeout: 30000 });
  const id = /([0-9a-f]{64})/.exec(submitted)?.[1];
  check(Boolean(id), `bfd-cli transfer printed an id (${submitted.trim().split("\n")[0]})`);
  mark(`transfer ${id}`);
  await page.fill("#search-input", id);
  await page.press("#search-input", "Enter");
  await page.waitForURL((u) => u.hash === `#/chain/1/tx/${id}`);
  await page.waitForSelector("#tx-status");
  // Every status the page shows from now on, in order (the page re-renders itself each second).
  const seen = [await page.getAttribute("#tx-status", "data-status")];
  await page.exposeFunction("bfdSawStatus", (st) => { if (seen.at(-1) !== st) seen.push(st); });
  await page.evaluate(() => new MutationObserver(() => {
    const st = document.getElementById("tx-status")?.dataset.status;
    if (st) window.bfdSawStatus(st);
  }).observe(document.getElementById("page"), { childList: true, subtree: true }));
  check(["pending", "included", "final"].includes(seen[0]), `the search finds the transfer (first shown ${seen[0]})`);
  await page.waitForSelector('#tx-status[data-status="final"]', { timeout: 30000 });
  const order = ["pending", "included", "final"];
  check(seen.every((st, i) => i === 0 || order.indexOf(st) > order.indexOf(seen[i - 1])),
    `the transfer's page turns final by itself, never going back (${seen.join(" -> ")})`);
  const height = (await text("#tx-height")).trim();
  await shot("transaction");

  // The address search lands on the receiver's account, whose history (GET …/accounts/{address}/txs)
  // lists the final transfer newest first at its height; the height search on the block holding it.
  await page.fill("#search-input", args.to);
  await page.press("#search-input", "Enter");
  await page.waitForURL((u) => u.hash === `#/chain/1/account/${args.to}`);
  await page.waitForSelector(`#account-history tr[data-tx="${id}"]`, { timeout: 15000 });
  const historyRow = (await text(`#account-history tr[data-tx="${id}"]`)).trim();
  check((await text("table.kv")).includes(args.to) && historyRow.startsWith(height),
    `searching the receiver's address shows its account, its history listing the transfer at height ${height}`);
  await shot("account");
  await page.fill("#search-input", height);
  await page.press("#search-input", "Enter");
  await page.waitForURL((u) => u.hash === `#/chain/1/block/${height}`);
  await page.waitForSelector(`h1:has-text("Block ${height} ") >> nth=0`);
  await page.waitForSelector(`tr[data-tx="${id}"]`);
  check((await text("h1")).startsWith(`Block ${height} `), `searching height ${height} shows that block with the transfer`);
  await shot("block-with-transfer");

  const peg = await pegDone;
  const message = /message:\s*(\d+:\d+)/.exec(peg.out)?.[1];
  check(Boolean(message), `bfd-cli peg send made a final send with a message id (${message ?? peg.err})`);
  await visit("#/peg");
  await page.waitForSelector("h2:has-text('Chain 8')");
  await page.waitForSelector(`tr[data-message="${message}"] .status`);
  const state = await page.getAttribute(`tr[data-message="${message}"] .status`, "data-status");
  check(["in_flight", "delivered"].includes(state), `the peg page shows message ${message} with its state (${state})`);
  await shot("peg");

  await visit("#/services");
  await page.waitForSelector("h1:has-text('Services')");
  await page.waitForSelector("main p, main table");
  await shot("services");

  await visit("#/funds");
  await page.waitForSelector("h3:has-text('Holders')");
  await shot("funds");

  await page.fill("#search-input", "not-a-thing");
  await page.press("#search-input", "Enter");
  await page.waitForSelector("h1:has-text('Nothing found')");
  check(true, "a search for nothing says so");
} catch (e) {
  problems.push(`stopped: ${e.message.split("\n")[0]}`);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}

for (const p of problems) console.log(`FAIL: ${p}`);
console.log(`explorer: ${checks} checks, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
