// The validator itself (node --test): it must be able to fail. Each case below is drift a node's
// answer could show, and each must be reported; the last cases are answers that hold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { routeDrift, Spec, toJsonSchema } from "../lib/spec.mjs";

const specFile = fileURLToPath(new URL("../../../docs/openapi.yaml", import.meta.url));
const spec = new Spec(specFile);
const json = "application/json";
const health = { chain: 1, status: "ok", head_height: 3, final_height: 2 };

function check(route, status, body, contentType = json, method = "GET") {
  return spec.check({ method, route, status, contentType, body: typeof body === "string" ? body : JSON.stringify(body) });
}

test("an answer the spec declares holds", () => {
  assert.deepEqual(check("/healthz", 200, health), []);
  assert.deepEqual(check("/metrics", 200, "# HELP x\n", "text/plain; version=0.0.4"), []);
  assert.deepEqual(check("/v1/chains/{chain}/info", 404, { error: { code: "not_found", reason_code: 4, detail: "no chain 9 here" } }), []);
});

test("a path or method the spec lacks fails", () => {
  assert.match(check("/v1/no-such-route", 200, {}).join(), /path not in docs\/openapi.yaml/);
  assert.match(check("/healthz", 200, health, json, "DELETE").join(), /method DELETE not documented/);
});

test("an undocumented status or content type fails", () => {
  assert.match(check("/healthz", 418, health).join(), /status 418 not documented/);
  assert.match(check("/healthz", 200, "<p>ok</p>", "text/html").join(), /content type 'text\/html' not documented/);
});

test("a field the spec does not name fails (objects are closed)", () => {
  assert.match(check("/healthz", 200, { ...health, uptime: 5 }).join(), /must NOT have additional properties 'uptime'/);
});

test("a missing field, a wrong type or a non-JSON body fails", () => {
  const { final_height, ...partial } = health;
  assert.match(check("/healthz", 200, partial).join(), /required property 'final_height'/);
  assert.match(check("/healthz", 200, { ...health, chain: "1" }).join(), /chain: must be integer/);
  assert.match(check("/v1/accounts/{address}", 400, "not json").join(), /body is not JSON/);
});

test("nullable without a type admits null and the wrapped schema only", () => {
  const s = toJsonSchema({ type: "object", properties: { a: { allOf: [{ type: "string" }], nullable: true } } });
  assert.deepEqual(s.properties.a, { anyOf: [{ allOf: [{ type: "string" }] }, { type: "null" }] });
  assert.equal(s.additionalProperties, false);
  const open = toJsonSchema({ type: "object", properties: {}, additionalProperties: { type: "integer" } });
  assert.deepEqual(open.additionalProperties, { type: "integer" });
});

test("a route missing from the spec, or documented but not served, fails", () => {
  const ops = spec.operations();
  assert.ok(ops.includes("GET /v1/chains/{chain}/info") && ops.length > 40);
  assert.deepEqual(routeDrift(ops, ops), []);
  assert.deepEqual(routeDrift([...ops, "GET /v1/new-route"], ops),
    ["GET /v1/new-route: served by the node, missing from docs/openapi.yaml"]);
  assert.deepEqual(routeDrift(ops.filter((op) => op !== "POST /v1/txs"), ops),
    ["POST /v1/txs: in docs/openapi.yaml, not in the node's route table"]);
});
