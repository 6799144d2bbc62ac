// @bfdchain/client: keys, canonical transactions and the node's HTTP API (sdk/ts/README.md).
export * from "./bytes.js";
export * from "./msgpack.js";
export * from "./hash.js";
export * from "./keys.js";
export * from "./amount.js";
export * from "./kinds.js";
export * from "./payloads.js";
export * from "./transaction.js";
export * from "./protocol.js";
export { BfdClient, BfdApiError, BfdTimeoutError, DEFAULT_FEE, EXPIRY_MARGIN } from "./client.js";
export type { Account, ClientOptions, NodeError, SendOptions, TxStatus } from "./client.js";
export * from "./reasons.js";
