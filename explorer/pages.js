// The explorer's pages: each reads the API (api.js) and returns the nodes to show (dom.js). A page
// may be called again every few seconds (app.js); ctx.stop() ends that once nothing can change.
import { ApiError, block, chain, chains, get } from "./api.js";
import { h, kv, link, mono, route, short, status, table, when } from "./dom.js";

const recentBlocks = 10;
const accountPageSize = 25;
const pegMessagesShown = 5;

const addressLink = (chainId, addr) => (addr ? link(short(addr, 8), "chain", chainId, "account", addr) : "");
const txLink = (chainId, id) => h("a", { href: route("chain", chainId, "tx", id), class: "mono", title: id }, short(id));
const blockLink = (chainId, x, text) => link(text ?? String(x), "chain", chainId, "block", x);
const isHeightOrHash = (x) => /^\d{1,20}$/.test(x) || /^[0-9a-fA-F]{64}$/.test(x);

function chainNav(chainId, here) {
  const items = [["Blocks", route("chain", chainId)], ["Delegates & schedule", route("chain", chainId, "delegates")]];
  return h("p", null, `Chain ${chainId}: `, items.map(([t, href], i) => [
    i ? " · " : "", href === here ? h("strong", null, t) : h("a", { href }, t)]));
}

/// Every chain with its head and final heights.
export async function overview() {
  const list = await chains();
  return [
    h("h1", null, "Chains"),
    table(["chain", "kind", "name", "token", "status", "head", "final", "validators"],
      list.map((c) => h("tr", { "data-chain": c.id },
        h("td", null, link(String(c.id), "chain", c.id)),
        h("td", null, c.kind), h("td", null, c.name), h("td", null, c.token),
        h("td", null, status(c.status)),
        h("td", { class: "head" }, c.head ? blockLink(c.id, c.head.height) : "—"),
        h("td", { class: "final" }, c.final ? blockLink(c.id, c.final.height) : "—"),
        h("td", null, c.validators ? String(c.validators.length) : "—")))),
    h("p", { class: "muted" }, "Heights update every second. A block is final once the chain's finality gadget has a ",
      "certificate for it (docs/consensus.md); the head may still change before that."),
  ];
}

/// A chain: its info and its latest blocks, each marked final or not.
export async function chainPage(ctx, id) {
  const info = await chain(id, "/info");
  const final = info.final.height;
  const heights = [];
  for (let x = info.head.height; x >= 0 && heights.length < recentBlocks; x--) heights.push(x);
  const blocks = await Promise.all(heights.map((x) => block(id, x, final)));
  return [
    h("h1", null, `Chain ${id}`),
    chainNav(id, route("chain", id)),
    kv({ head: info.head.height, final, round: info.round, epoch: info.epoch, slot_ms: info.slot_ms,
      total_supply: info.total_supply, mempool_size: info.mempool_size, state_root: info.state_root },
    { head: (x) => blockLink(id, x), final: (x) => blockLink(id, x), state_root: (x) => mono(x) }),
    h("h2", null, "Latest blocks"),
    table(["height", "hash", "status", "time", "producer", "txs"],
      blocks.map((b) => h("tr", { "data-height": b.height },
        h("td", null, blockLink(id, b.height)),
        h("td", null, blockLink(id, b.hash, short(b.hash))),
        h("td", null, status(b.height <= final ? "final" : "head")),
        h("td", null, when(b.header.timestamp_ms)),
        h("td", null, addressLink(id, b.header.producer_address)),
        h("td", null, String(b.tx_count))))),
  ];
}

/// Rows of transactions; with `heights`, a first cell links each one's block (t.height).
function txRows(chainId, txs, heights = false) {
  return txs.map((t) => h("tr", { "data-tx": t.id },
    heights ? h("td", null, blockLink(chainId, t.height)) : null,
    h("td", null, txLink(chainId, t.id)), h("td", null, t.kind),
    h("td", null, addressLink(chainId, t.sender_address)),
    h("td", null, t.to ? addressLink(chainId, t.to) : ""),
    h("td", null, t.amount ?? t.value ?? ""), h("td", null, t.fee ?? "")));
}
const txHeaders = ["id", "kind", "from", "to", "amount", "fee"];

/// A block by height or hash, its header and transactions.
export async function blockPage(ctx, id, x) {
  if (!isHeightOrHash(x)) throw new ApiError(400, { code: "invalid_argument", detail: `'${x}' is no height or block hash` });
  const [b, info] = await Promise.all([chain(id, `/blocks/${x}`), chain(id, "/info")]);
  const isFinal = b.height <= info.final.height;
  if (isFinal) ctx.stop();
  const hdr = b.header;
  return [
    h("h1", null, `Block ${b.height} of chain ${id} `, status(isFinal ? "final" : "head")),
    chainNav(id),
    kv(hdr, {
      hash: (v) => mono(v), parent: (v) => (b.height > 0 ? blockLink(id, v, v) : mono(v)),
      producer_address: (v) => addressLink(id, v), timestamp_ms: (v) => `${v} (${when(v)})`,
    }),
    h("p", null, b.height > 0 ? blockLink(id, b.height - 1, "← previous") : "", " ",
      b.height < info.head.height ? blockLink(id, b.height + 1, "next →") : ""),
    h("h2", null, `Transactions (${b.tx_count})`),
    b.transactions.length ? table(txHeaders, txRows(id, b.transactions)) : h("p", { class: "muted" }, "none"),
  ];
}

/// A transaction by id: where it stands (pending, included, final, rejected) and its fields.
export async function txPage(ctx, id, txid) {
  if (!/^[0-9a-fA-F]{64}$/.test(txid)) throw new ApiError(400, { code: "bad_hex", detail: "a transaction id is 64 hex digits" });
  const t = await chain(id, `/txs/${txid}`);
  if (t.status === "final" || t.status === "rejected") ctx.stop();
  const tx = t.transaction ?? {};
  return [
    h("h1", null, "Transaction ", status(t.status)),
    chainNav(id),
    kv({ id: t.id, status: t.status, height: t.height, index: t.index, block: t.block, reason: t.reason }, {
      id: (v) => mono(v), status: (v) => h("span", { id: "tx-status", "data-status": v }, v),
      height: (v) => (v === undefined ? "—" : h("span", { id: "tx-height" }, blockLink(id, v))), block: (v) => (v ? blockLink(id, v, v) : "—"),
      index: (v) => (v === undefined ? "—" : String(v)), reason: (v) => (v ? `${v.code}: ${v.detail}` : "—"),
    }),
    h("h2", null, "Fields"),
    kv(tx, { sender_address: (v) => addressLink(id, v), to: (v) => (/^bfd/.test(v) ? addressLink(id, v) : v) }),
  ];
}

/// An account: balance and next nonce at the head, and its final transactions, newest first, a
/// page at a time from the node's account history (cursor: where an "older" page starts).
export async function accountPage(ctx, id, addr, cursor) {
  if (!/^bfd[0-9a-fA-F]{40}$/.test(addr)) throw new ApiError(400, { code: "bad_address", detail: "an address is bfd + 40 hex digits" });
  const query = `?limit=${accountPageSize}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");
  const [a, history] = await Promise.all([chain(id, `/accounts/${addr}`), chain(id, `/accounts/${addr}/txs${query}`)]);
  const rows = history.txs.map((e) => ({ ...e.transaction, id: e.id, height: e.height }));
  return [
    h("h1", null, "Account"),
    chainNav(id),
    kv(a, { address: (v) => mono(v) }),
    h("h2", null, cursor ? `Older final transactions (before ${cursor})` : "Final transactions"),
    rows.length
      ? table(["height", ...txHeaders], txRows(id, rows, true), { id: "account-history" })
      : h("p", { class: "muted", id: "account-history" }, cursor ? "no older transactions" : "none final yet"),
    h("p", null, cursor ? [link("newest", "chain", id, "account", addr), " · "] : null,
      history.more ? link("older →", "chain", id, "account", addr, "older", history.next) : null),
    h("p", { class: "muted" }, "Transactions the account signed or that name it as a recipient, from final blocks only ",
      `(final height ${history.final_height}); a pending one appears here once final.`),
  ];
}

/// Delegates with their categories, slots and missed slots; the round's schedule.
export async function delegatesPage(ctx, id) {
  const [d, s, list] = await Promise.all([chain(id, "/delegates"), chain(id, "/schedule"), chains()]);
  const byCategory = new Map();
  for (const v of d.delegates) {
    const c = byCategory.get(v.category_name) ?? { delegates: 0, in_cluster: 0, blocks: 0, missed: 0 };
    c.delegates++; c.in_cluster += v.in_cluster ? 1 : 0; c.blocks += v.blocks_produced; c.missed += v.slots_missed;
    byCategory.set(v.category_name, c);
  }
  return [
    h("h1", null, `Delegates of chain ${id}`),
    chainNav(id, route("chain", id, "delegates")),
    h("p", null, "Chains: ", list.map((c, i) => [i ? " · " : "", link(String(c.id), "chain", c.id, "delegates")])),
    h("h2", null, "Categories"),
    table(["category", "delegates", "in cluster", "blocks produced", "slots missed"],
      [...byCategory].map(([name, c]) => [name, c.delegates, c.in_cluster, c.blocks, c.missed])),
    h("h2", null, `Delegates (${d.count})`),
    table(["address", "key", "category", "status", "in cluster", "bid", "votes", "blocks", "missed", "txs", "rewards"],
      d.delegates.map((v) => [addressLink(id, v.address), mono(short(v.key, 8), v.key), v.category_name, status(v.status),
        v.in_cluster ? "yes" : "no", v.bid, v.votes, v.blocks_produced, v.slots_missed, v.txs_included, v.rewards])),
    h("h2", null, `Schedule of round ${s.round}`),
    h("p", { class: "muted" }, `${s.slot_count} slots of ${s.slot_ms} ms; the highlighted slot is the current one. `,
      "A slot that has ended without a block of the head's chain in it is marked missed."),
    table(["slot", "global slot", "producer", "category", "start", "end", "max blocks", "blocks", ""],
      s.slots.map((x) => h("tr", { class: x.global_slot === s.current_slot ? "current" : null },
        [x.slot, x.global_slot, addressLink(id, x.producer_address), x.category_name, when(x.start_ms), when(x.end_ms),
          x.max_blocks, x.blocks, x.end_ms <= s.now_ms && x.blocks === 0 ? status("missed") : ""]
          .map((c) => h("td", null, c))))),
  ];
}

/// Each chain's final peg ledger and its latest messages with their states.
export async function pegPage() {
  const list = await chains();
  const sections = await Promise.all(list.map(async (c) => {
    let peg;
    try {
      peg = await chain(c.id, "/peg");
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return [h("h2", null, `Chain ${c.id}`), h("p", { class: "muted" }, "no peg module")];
      throw e;
    }
    const seqs = [];
    for (let q = peg.sent - 1; q >= 0 && seqs.length < pegMessagesShown; q--) seqs.push(q);
    const msgs = await Promise.all(seqs.map((q) => get(`/v1/peg/messages/${c.id}:${q}`)));
    return [
      h("h2", null, `Chain ${c.id} (${c.name})`),
      kv({ final_height: peg.final_height, sent: peg.sent, in_flight: peg.in_flight, escrows: peg.escrows, vouchers: peg.vouchers }),
      msgs.length
        ? table(["message", "state", "destination", "receiver", "value", "received on"],
          msgs.map((m) => h("tr", { "data-message": m.id }, [mono(m.id), status(m.state ?? "unknown"),
            m.message?.destination ?? "", m.message?.receiver ? addressLink(m.message.destination, m.message.receiver) : "",
            m.message?.value ?? "", (m.received_on ?? []).map((r) => `chain ${r.chain}: ${r.acknowledged}`).join(", ")]
            .map((c) => h("td", null, c)))))
        : h("p", { class: "muted" }, "no messages sent from this chain"),
    ];
  }));
  return [h("h1", null, "Peg"), h("p", { class: "muted" }, `The last ${pegMessagesShown} messages each chain sent, from the final states.`), sections];
}

/// The mainchain's service registry.
export async function servicesPage() {
  const s = await get("/v1/services");
  return [
    h("h1", null, "Services"),
    h("p", { class: "muted" }, `The mainchain's registry at final height ${s.final_height}.`),
    s.services.length
      ? table(["id", "symbol", "uuid", "owner", "home", "deployments", "status", "version"],
        s.services.map((x) => [link(String(x.id), "services", x.id), x.symbol, mono(x.uuid), addressLink(1, x.owner),
          x.home, (x.deployments ?? []).join(", "), status(x.status), x.latest_version]))
      : h("p", { class: "muted" }, "No service is registered."),
  ];
}

export async function servicePage(ctx, id) {
  if (!/^(\d{1,10}|[0-9a-fA-F]{32})$/.test(id)) throw new ApiError(400, { code: "invalid_argument", detail: "a service id or uuid" });
  const s = await get(`/v1/services/${id}`);
  return [h("h1", null, `Service ${s.id} (${s.symbol})`), kv(s, { owner: (v) => addressLink(1, v) })];
}

/// An object without its "*_units" fields (the exact BFDT text beside each stays).
const withoutUnits = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !k.endsWith("_units")));

/// The fund (DAOS) chains: DS metadata summary, funds summary and holders.
export async function fundsPage() {
  const funds = (await chains()).filter((c) => c.kind === "daos");
  if (!funds.length) return [h("h1", null, "Funds"), h("p", { class: "muted" }, "This node hosts no fund (DAOS) chain.")];
  const sections = await Promise.all(funds.map(async (c) => {
    const [ds, f, holders] = await Promise.all([chain(c.id, "/ds"), chain(c.id, "/funds"), chain(c.id, "/funds/holders")]);
    return [
      h("h2", null, `Chain ${c.id}: ${c.name} (${c.token})`),
      h("h3", null, "DS metadata"), kv(withoutUnits(ds)),
      h("h3", null, "Fund"), kv(withoutUnits(f)),
      h("h3", null, `Holders (${holders.total})`),
      holders.holders.length
        ? table(["holder", "tokens", "BFDT vouchers", "subscribed BFDT", "bought", "sold", "redeemed"],
          holders.holders.map((x) => [addressLink(c.id, x.account), x.balance, x.bfdt_vouchers, x.subscribed_bfdt, x.bought,
            x.sold, x.redeemed]))
        : h("p", { class: "muted" }, "none"),
    ];
  }));
  return [h("h1", null, "Funds"), sections];
}

/// What the search box found nothing for.
export async function searchPage(ctx, id, q) {
  return [h("h1", null, "Nothing found"),
    h("p", null, `No transaction, block or account on chain ${id} matches "${q}". `,
      "Search takes a transaction id or block hash (64 hex digits), a block height or an address (bfd + 40 hex digits).")];
}
