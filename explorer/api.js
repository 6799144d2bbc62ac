// The node's HTTP API as the explorer uses it (same origin: the node serves both). Every route
// used here is in docs/openapi.yaml; docs/explorer.md lists which page uses which.

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? "http_" + status;
  }
}

/// GET a JSON route ("/v1/..."); throws ApiError for a refusal, TypeError when the node is gone.
export async function get(path) {
  const res = await fetch(".." + path, { headers: { Accept: "application/json" }, cache: "no-store" });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(res.status, body?.error);
  return body;
}

/// A chain's route: "/v1/chains/{chain}" + suffix.
export const chain = (id, suffix = "") => get(`/v1/chains/${Number(id)}${suffix}`);

/// Blocks by height that are final never change: kept here (bounded), so a page that polls asks
/// only for the blocks above the final height again.
const finalBlocks = new Map();
const maxCached = 500;

export async function block(chainId, height, finalHeight) {
  const key = `${chainId}:${height}`;
  if (finalBlocks.has(key)) return finalBlocks.get(key);
  const b = await chain(chainId, `/blocks/${Number(height)}`);
  if (height <= finalHeight) {
    if (finalBlocks.size >= maxCached) finalBlocks.delete(finalBlocks.keys().next().value);
    finalBlocks.set(key, b);
  }
  return b;
}

/// The chains this node hosts, as /v1/chains lists them.
export async function chains() {
  return (await get("/v1/chains")).chains ?? [];
}
