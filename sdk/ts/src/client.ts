// The node's HTTP API (docs/http.md, docs/openapi.yaml): reads, submission, waiting for finality
// and the module calls the node offers. Every refusal becomes a BfdApiError carrying the node's
// JSON error code and reason code.

import { formatAmount, parseAmount, units, type AmountLike } from "./amount.js";
import { toHex, type U64 } from "./bytes.js";
import { addressBytes, formatAddress, type AddressLike, KeyPair } from "./keys.js";
import type { KindName, Payloads } from "./kinds.js";
import { signRequest } from "./protocol.js";
import { Transaction } from "./transaction.js";

/** The node's error body: {"error": {"code", "reason_code", "detail", "id"?}}. */
export interface NodeError {
  code: string;
  reason_code: number;
  detail: string;
  id?: string;
}

/** A refusal by the node (a 4xx/5xx with its JSON error), or a transaction it rejected. */
export class BfdApiError extends Error {
  /** The stable error name, e.g. "bad_signature", "nonce_reused", "insufficient_funds". */
  readonly code: string;
  /** Its number (docs/formats.md section 12; 1000+ for the HTTP edge's own). */
  readonly reasonCode: number;
  readonly detail: string;
  /** The HTTP status (200 for a transaction the status route reports rejected). */
  readonly status: number;
  /** The transaction's id, when the refusal is about one. */
  readonly txId?: string;
  constructor(status: number, e: NodeError, what: string) {
    super(`${e.code} (${e.reason_code}): ${e.detail} [${what}]`);
    this.name = "BfdApiError";
    this.code = e.code;
    this.reasonCode = e.reason_code;
    this.detail = e.detail;
    this.status = status;
    if (e.id !== undefined) this.txId = e.id;
  }
}

/** No answer in time: a transaction not final before the deadline, or a node not reached. */
export class BfdTimeoutError extends Error {
  constructor(message: string, readonly lastStatus?: string) {
    super(message);
    this.name = "BfdTimeoutError";
  }
}

/** Where a transaction stands (GET /v1/txs/{id}). */
export interface TxStatus {
  id: string;
  status: "pending" | "included" | "final" | "rejected";
  height?: number;
  index?: number;
  block?: string;
  reason?: NodeError;
  transaction?: Record<string, unknown>;
  [field: string]: unknown;
}

/** An account at the head: balance as text and exact base units, and the next nonce. */
export interface Account {
  address: string;
  balance: string;
  /** Exact base units, from the text form (the JSON number loses precision above 2^53). */
  balanceUnits: bigint;
  nonce: number;
}

/** Options of a transaction the client prepares: defaults are the head's next nonce, expiry head + 1000, fee 0.0001. */
export interface SendOptions {
  fee?: AmountLike;
  nonce?: U64;
  expiry?: U64;
  /** How long waitFinal waits (default 60 s). */
  timeoutMs?: number;
}

/** Options of a client. */
export interface ClientOptions {
  /** The chain the chain routes address: /v1/chains/{chain}/...; unset: the node's own chain (/v1/...). */
  chain?: number;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** How often waitFinal polls (default 250 ms, as bfd-cli). */
  pollMs?: number;
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The default fee: 0.0001 BFDT. */
export const DEFAULT_FEE = 10_000n;
/** Blocks above the head a prepared transaction stays valid (bfd-cli's margin). */
export const EXPIRY_MARGIN = 1000n;

/** A client of one node (and one of its chains). */
export class BfdClient {
  readonly base: string;
  readonly chainId?: number;
  readonly #fetch: typeof fetch;
  readonly #pollMs: number;

  /** `base` is the node's URL, e.g. http://127.0.0.1:8645. */
  constructor(base: string, options: ClientOptions = {}) {
    this.base = base.replace(/\/+$/, "");
    if (options.chain !== undefined) this.chainId = options.chain;
    this.#fetch = options.fetch ?? fetch;
    this.#pollMs = options.pollMs ?? 250;
  }

  /** A client of the same node for chain `id` (its /v1/chains/{id}/... routes). */
  chain(id: number): BfdClient {
    return new BfdClient(this.base, { chain: id, fetch: this.#fetch, pollMs: this.#pollMs });
  }

  /** The path of a chain route: /v1/chains/{chain}/rest or /v1/rest. */
  chainPath(rest: string): string {
    return this.chainId === undefined ? `/v1/${rest}` : `/v1/chains/${this.chainId}/${rest}`;
  }

  /** A request; a JSON error body (any non-2xx) throws BfdApiError. */
  async request(method: "GET" | "POST", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
    const init: RequestInit = { method, headers: { Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    const res = await this.#fetch(this.base + path, init);
    const text = await res.text();
    let j: Json = undefined;
    try {
      j = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const e = j?.error;
      if (e && typeof e.code === "string")
        throw new BfdApiError(res.status, e as NodeError, `${method} ${path}`);
      throw new BfdApiError(res.status, { code: "http_error", reason_code: 0, detail: `HTTP ${res.status}: ${text.slice(0, 200)}` }, `${method} ${path}`);
    }
    if (j === undefined && text !== "") throw new Error(`${method} ${path}: the answer is not JSON`);
    return j;
  }

  get(path: string, headers?: Record<string, string>): Promise<Json> {
    return this.request("GET", path, undefined, headers);
  }

  /** A protected read (docs/http.md "Signed requests"), signed with `key` for this chain. */
  async signedGet(path: string, key: KeyPair): Promise<Json> {
    const headers = signRequest({ chain: this.chainId ?? 1, method: "GET", target: path, timestamp_ms: Date.now() }, key);
    return this.get(path, headers);
  }

  // ---- node and chain reads ----

  /** GET /healthz. */
  health(): Promise<Json> { return this.get("/healthz"); }
  /** The chain: head, final block, round, categories, params (GET .../info). */
  info(): Promise<Json> { return this.get(this.chainPath("info")); }
  /** Every chain the node hosts (GET /v1/chains). */
  chains(): Promise<Json> { return this.get("/v1/chains"); }
  /** The mainchain's sidechain registry (GET /v1/sidechains). */
  sidechains(): Promise<Json> { return this.get("/v1/sidechains"); }
  /** A block by height or hash. */
  block(id: number | string): Promise<Json> { return this.get(this.chainPath(`blocks/${id}`)); }
  /** The delegates (VMs) in key order. */
  delegates(): Promise<Json> { return this.get(this.chainPath("delegates")); }
  /** The current round's slots. */
  schedule(): Promise<Json> { return this.get(this.chainPath("schedule")); }
  /** The finality certificate of the final block. */
  certificate(): Promise<Json> { return this.get(this.chainPath("certificate")); }
  /** The cluster a certificate names, by its hash, members in selection order (verifyCertificate's third argument). */
  cluster(hash: string): Promise<Json> { return this.get(this.chainPath(`clusters/${hash}`)); }
  /**
   * A page of an account's final transactions, newest first (GET .../accounts/{address}/txs):
   * `limit` 1-100 (the node's default 20), `cursor` a previous page's `next`.
   */
  accountTxs(address: AddressLike, o: { cursor?: string; limit?: number } = {}): Promise<Json> {
    const a = typeof address === "string" ? address : formatAddress(addressBytes(address));
    const q = new URLSearchParams();
    if (o.cursor !== undefined) q.set("cursor", o.cursor);
    if (o.limit !== undefined) q.set("limit", String(o.limit));
    const query = q.toString();
    return this.get(this.chainPath(`accounts/${a}/txs${query ? "?" + query : ""}`));
  }
  /** The proof that a sidechain block is anchored on the mainchain (this client's chain). */
  anchor(height: number): Promise<Json> {
    if (this.chainId === undefined) throw new Error("anchor: a sidechain client (client.chain(id)) is needed");
    return this.get(`/v1/chains/${this.chainId}/anchor/${height}`);
  }

  /** An account at the head. */
  async account(address: AddressLike): Promise<Account> {
    const a = typeof address === "string" ? address : formatAddress(addressBytes(address));
    const j = await this.get(this.chainPath(`accounts/${a}`));
    return { address: j.address, balance: j.balance, balanceUnits: parseAmount(j.balance), nonce: j.nonce };
  }

  /** Where a transaction stands (404 throws BfdApiError not_found). */
  tx(id: string): Promise<TxStatus> { return this.get(this.chainPath(`txs/${id}`)); }

  // ---- submission ----

  /** Submits one signed transaction (or its hex): {id, status: "pending"}; a refusal throws. */
  submit(tx: Transaction | string): Promise<{ id: string; status: string; detail?: string }> {
    const hex = typeof tx === "string" ? tx : tx.hex;
    return this.request("POST", this.chainPath("txs"), { hex });
  }

  /** Submits up to 1,024 transactions in one request: one result per item, in order. */
  submitBatch(txs: (Transaction | string)[]): Promise<{ accepted: number; results: ({ id: string; status: string } | { error: NodeError })[] }> {
    return this.request("POST", this.chainPath("txs/batch"), { txs: txs.map((t) => (typeof t === "string" ? t : t.hex)) });
  }

  /**
   * Polls the status route until the transaction is final. A rejection throws BfdApiError with
   * the rejection's code; a busy node (rate_limited, timeout, unavailable) is asked again; past
   * the deadline BfdTimeoutError.
   */
  async waitFinal(id: string, timeoutMs = 60_000): Promise<TxStatus> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    for (;;) {
      try {
        const s = await this.tx(id);
        last = s.status;
        if (s.status === "final") return s;
        if (s.status === "rejected")
          throw new BfdApiError(200, { ...(s.reason ?? { code: "rejected", reason_code: 0, detail: "" }), id }, `transaction ${id} rejected`);
      } catch (e) {
        if (!(e instanceof BfdApiError) || !["rate_limited", "timeout", "unavailable"].includes(e.code)) throw e;
        last = e.code;
      }
      if (Date.now() + this.#pollMs > deadline)
        throw new BfdTimeoutError(`transaction ${id} not final after ${timeoutMs} ms (last: ${last})`, last);
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  /**
   * A signed transaction of `kind` from `key` for this client's chain: the nonce from the
   * account (unless given), expiry head + 1000 (unless given), fee 0.0001 BFDT (unless given).
   */
  async prepare<K extends KindName>(key: KeyPair, kind: K, payload: Payloads[K], o: SendOptions = {}): Promise<Transaction> {
    const [info, account] = await Promise.all([
      o.expiry === undefined || this.chainId === undefined ? this.info() : Promise.resolve(undefined),
      o.nonce === undefined ? this.account(key.address) : Promise.resolve(undefined),
    ]);
    const chain = this.chainId ?? info.chain;
    const expiry = o.expiry ?? BigInt(info.head.height) + EXPIRY_MARGIN;
    const tx = Transaction.build({
      chain, kind, sender: key.publicKey, nonce: o.nonce ?? account!.nonce, fee: o.fee ?? DEFAULT_FEE, expiry, payload,
    });
    return tx.sign(key);
  }

  /** Prepares, submits and waits until final: the final status. */
  async send<K extends KindName>(key: KeyPair, kind: K, payload: Payloads[K], o: SendOptions = {}): Promise<TxStatus> {
    const tx = await this.prepare(key, kind, payload, o);
    await this.submit(tx);
    return this.waitFinal(tx.id, o.timeoutMs);
  }

  /** A BFDT transfer to finality. */
  transfer(key: KeyPair, to: AddressLike, amount: AmountLike, o: SendOptions = {}): Promise<TxStatus> {
    return this.send(key, "transfer", { to, amount }, o);
  }

  // ---- peg ----

  /**
   * Sends `amount` of `denom` (default BFDT) over the peg to `to` on chain `toChain`, to finality
   * on this chain; the timeout height on the destination defaults to its head + 1000. Returns the
   * final status; the message id is `<this chain>:<sequence>` (pegMessage finds it).
   */
  async pegSend(key: KeyPair, p: { toChain: number; to: AddressLike; amount: AmountLike; denom?: string; timeoutHeight?: U64 }, o: SendOptions = {}): Promise<TxStatus> {
    const timeout = p.timeoutHeight ?? BigInt((await this.chain(p.toChain).info()).head.height) + EXPIRY_MARGIN;
    return this.send(key, "peg_send", {
      destination: p.toChain, receiver: p.to, denom: p.denom ?? "BFDT", amount: p.amount, timeout_height: timeout,
    }, o);
  }
  /** A peg message by id `<source>:<sequence>` (node route). */
  pegMessage(id: string): Promise<Json> { return this.get(`/v1/peg/messages/${id}`); }
  /** The chain's final peg ledger: escrows, vouchers, in flight, sent. */
  peg(): Promise<Json> { return this.get(this.chainPath("peg")); }

  // ---- services ----

  /** A page of at most 100 services from id `from`. */
  services(from?: number): Promise<Json> { return this.get(this.chainPath(`services${from ? `?from=${from}` : ""}`)); }
  /** A service by id or uuid, with versions, schedule, rollout and health. */
  service(idOrUuid: number | string): Promise<Json> { return this.get(this.chainPath(`services/${idOrUuid}`)); }
  /** The version of a service live on `chain` (at mainchain height `height`, default final) and its contract. */
  resolveService(id: number | string, chain: number, height?: number): Promise<Json> {
    return this.get(this.chainPath(`services/${id}/resolve/${chain}${height !== undefined ? `?height=${height}` : ""}`));
  }

  // ---- DS metadata and funds (fund chains) ----

  /** The DS summary, or a page of a section (`rates`, `issuances`, `usage`; `members` needs `key`). */
  ds(section?: "members" | "rates" | "issuances" | "usage", from?: string | number, key?: KeyPair): Promise<Json> {
    const path = this.chainPath(section ? `ds/${section}${from !== undefined ? `/${from}` : ""}` : "ds");
    return key ? this.signedGet(path, key) : this.get(path);
  }
  /** The funds module's reconciled summary. */
  funds(): Promise<Json> { return this.get(this.chainPath("funds")); }
  /** A page of holder records after `from`. */
  fundHolders(from?: AddressLike): Promise<Json> {
    const f = from === undefined ? "" : `?from=${typeof from === "string" ? from : formatAddress(from)}`;
    return this.get(this.chainPath(`funds/holders${f}`));
  }
  /** Subscribes `value` BFDT (vouchers on the fund chain) to the fund, to finality. */
  fundSubscribe(key: KeyPair, value: AmountLike, o: SendOptions = {}): Promise<TxStatus> {
    return this.send(key, "fund_subscribe", { value }, o);
  }

  // ---- contracts ----

  /** Published templates (a page). */
  contractTemplates(after?: string): Promise<Json> {
    return this.get(this.chainPath(after ? `contracts/templates/after/${after}` : "contracts/templates"));
  }
  /** A template by id. */
  contractTemplate(id: string): Promise<Json> { return this.get(this.chainPath(`contracts/templates/${id}`)); }
  /** A contract: template, balance, state root, calls. */
  contract(address: string): Promise<Json> { return this.get(this.chainPath(`contracts/${address}`)); }
  /** A contract's kept events (from sequence `from`). */
  contractEvents(address: string, from?: number): Promise<Json> {
    return this.get(this.chainPath(`contracts/${address}/events${from !== undefined ? `/${from}` : ""}`));
  }
  /** A contract's state keys, or one key's value (hex): a protected read signed by `key`. */
  contractState(address: string, key: KeyPair, stateKey?: string): Promise<Json> {
    return this.signedGet(this.chainPath(`contracts/${address}/state${stateKey ? `/${stateKey}` : ""}`), key);
  }
  /** Calls a contract's entry point in a transaction, to finality (the result is in the status's contract_result). */
  contractCall(key: KeyPair, p: Payloads["contract_call"], o: SendOptions = {}): Promise<TxStatus> {
    return this.send(key, "contract_call", p, o);
  }

  // ---- access control ----

  /** The holders of a scope (`fund_group:7`, `global`...); signed by `key` unless global. */
  accessScope(scope: string, key?: KeyPair): Promise<Json> {
    const p = this.chainPath(`access/scopes/${scope}`);
    return key ? this.signedGet(p, key) : this.get(p);
  }
  /** An account's permissions (signed by `key`). */
  accessAccount(address: string, key: KeyPair): Promise<Json> {
    return this.signedGet(this.chainPath(`access/accounts/${address}`), key);
  }
  /** Whether an account holds a permission in a scope (signed by `key`). */
  accessCheck(address: string, scope: string, permission: string, key: KeyPair): Promise<Json> {
    return this.signedGet(this.chainPath(`access/check/${address}/${scope}/${permission}`), key);
  }
  /** Grants permissions (acl_grant), to finality. */
  aclGrant(key: KeyPair, p: Payloads["acl_grant"], o: SendOptions = {}): Promise<TxStatus> {
    return this.send(key, "acl_grant", p, o);
  }
}

/** Amount helpers re-exported for callers of the client. */
export { formatAmount, parseAmount, units, toHex };
