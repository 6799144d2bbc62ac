// The explorer's entry point: a hash router, the live loop (each page re-read every few seconds
// while it is shown) and the search box. Pages are in pages.js; docs/explorer.md describes them.
import { ApiError, chain as chainGet } from "./api.js";
import { h, route, show } from "./dom.js";
import * as pages from "./pages.js";

/// Hash routes: pattern -> [page, poll interval in ms].
const routes = [
  [/^\/?$/, pages.overview, 1000],
  [/^\/chain\/(\d+)$/, pages.chainPage, 1000],
  [/^\/chain\/(\d+)\/block\/([^/]+)$/, pages.blockPage, 1000],
  [/^\/chain\/(\d+)\/tx\/([^/]+)$/, pages.txPage, 1000],
  [/^\/chain\/(\d+)\/account\/([^/]+)$/, pages.accountPage, 2000],
  [/^\/chain\/(\d+)\/account\/([^/]+)\/older\/(\d{1,20}\.\d{1,10})$/, pages.accountPage, 5000],
  [/^\/chain\/(\d+)\/delegates$/, pages.delegatesPage, 1000],
  [/^\/peg$/, pages.pegPage, 3000],
  [/^\/services$/, pages.servicesPage, 5000],
  [/^\/services\/([^/]+)$/, pages.servicePage, 5000],
  [/^\/funds$/, pages.fundsPage, 3000],
  [/^\/search\/(\d+)\/([^/]*)$/, pages.searchPage, 0],
];

let generation = 0;
let timer = null;
const live = () => document.getElementById("live");

function setLive(state, title) {
  live().dataset.state = state;
  live().title = title ?? "";
}

/// Renders the route in location.hash, then again every interval until the route changes or the
/// page says it will not change any more (ctx.stop(): a final transaction).
function render() {
  const gen = ++generation;
  clearTimeout(timer);
  let path = "";
  try {
    path = decodeURIComponent(location.hash.replace(/^#/, "")).trim();
  } catch {
    path = "\u0000";  // a malformed escape: no page
  }
  const found = routes.map(([re, page, ms]) => [re.exec(path), page, ms]).find(([m]) => m);
  if (!found) {
    show(h("h1", null, "Not found"), h("p", null, "No explorer page here. ", h("a", { href: "#/" }, "Chains")));
    return;
  }
  const [match, page, interval] = found;
  let stopped = interval === 0;
  const ctx = { stop: () => { stopped = true; }, current: () => gen === generation };
  const tick = async () => {
    try {
      const nodes = await page(ctx, ...match.slice(1));
      if (gen !== generation) return;
      show(nodes);
      setLive("ok", `updated ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      if (gen !== generation) return;
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) {
        show(h("h1", null, "Not available"), h("p", { class: "error" }, `${e.code}: ${e.message}`));
        stopped = true;
      } else {
        // The node is busy, restarting or gone: say so and keep trying.
        setLive("error", String(e.message ?? e));
      }
    }
    if (gen === generation && !stopped) timer = setTimeout(tick, interval);
  };
  tick();
}

/// The chain the search applies to: the one in the current route, else the mainchain.
function currentChain() {
  const m = /^#\/chain\/(\d+)/.exec(location.hash);
  return m ? Number(m[1]) : 1;
}

/// Search: a height, an address (bfd + 40 hex), or 64 hex: a transaction id, else a block hash.
export async function search(text, chainId) {
  const q = text.trim().toLowerCase();
  if (/^\d{1,20}$/.test(q)) return route("chain", chainId, "block", q);
  if (/^bfd[0-9a-f]{40}$/.test(q)) return route("chain", chainId, "account", q);
  if (/^[0-9a-f]{64}$/.test(q)) {
    for (const [what, kind] of [["txs", "tx"], ["blocks", "block"]]) {
      try {
        await chainGet(chainId, `/${what}/${q}`);
        return route("chain", chainId, kind, q);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) throw e;
      }
    }
  }
  return route("search", chainId, q);
}

document.getElementById("search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("search-input");
  try {
    location.hash = await search(input.value, currentChain());
  } catch (e) {
    show(h("h1", null, "Search failed"), h("p", { class: "error" }, String(e.message ?? e)));
  }
});
window.addEventListener("hashchange", render);
render();
