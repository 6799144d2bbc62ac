// Building the page without innerHTML: every value from the API becomes a text node, every link a
// hash route built from checked parts, so nothing the node answers can become markup.

/// An element: h("td", {class: "mono"}, "text", otherNode, null, ["a", "list"]).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "href" && !String(v).startsWith("#/") && !String(v).startsWith("../v1/"))
      throw new Error(`refusing link ${v}`);
    el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/// A hash route from parts, each part encoded.
export function route(...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(String(p))).join("/");
}

export const link = (text, ...parts) => h("a", { href: route(...parts) }, text);

/// "abcdef…1234" for long hex, with the whole value as the title.
export function short(hex, n = 10) {
  const s = String(hex ?? "");
  return s.length > 2 * n + 1 ? s.slice(0, n) + "…" + s.slice(-4) : s;
}

export const mono = (text, title) => h("span", { class: "mono", title }, text);

/// A coloured status word; data-status is what the browser test waits for.
export const status = (word) => h("span", { class: "status", "data-status": word }, word);

/// A table: headers and rows (arrays of cells).
export function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", null, h("tr", null, headers.map((x) => h("th", null, x)))),
    h("tbody", null, rows.map((r) => (r instanceof Node ? r : h("tr", null, r.map((c) => h("td", null, c)))))));
}

/// Key-value table of an object; nested values shown as compact JSON text.
export function kv(obj, cells = {}) {
  const rows = Object.entries(obj ?? {}).map(([k, v]) => {
    let cell = cells[k] ? cells[k](v) : v;
    if (!(cell instanceof Node)) {
      cell = cell !== null && typeof cell === "object" ? h("code", null, JSON.stringify(cell)) : String(cell);
    }
    return h("tr", null, h("th", null, k), h("td", null, cell));
  });
  return h("table", { class: "kv" }, h("tbody", null, rows));
}

/// Replaces the page's content.
export function show(...nodes) {
  const main = document.getElementById("page");
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

export const when = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC") : "");
