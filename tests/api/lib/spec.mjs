// docs/openapi.yaml as a response validator: the YAML is read with `yaml`, each response schema
// is compiled with Ajv (JSON Schema draft-07 semantics, `format` from ajv-formats). The spec is
// OpenAPI 3.0, so two things are mapped before Ajv sees it:
//   - `nullable: true` beside a `type` is Ajv's own OpenAPI keyword; beside no `type` (an allOf
//     wrapper) it becomes `anyOf: [the schema, {type: null}]`;
//   - objects are closed: a schema with `properties` and no `additionalProperties` gets
//     `additionalProperties: false`, so a field the node sends and the spec does not name fails
//     (drift in either direction is caught; write `additionalProperties` where a map is meant).
import { readFileSync } from "node:fs";

import Ajv from "ajv";
import addFormats from "ajv-formats";
import YAML from "yaml";

const METHODS = ["get", "post", "put", "delete", "patch"];

function clone(x) {
  return JSON.parse(JSON.stringify(x));
}

/// OpenAPI 3.0 schema objects -> what Ajv checks (see the head of this file). Walks everything
/// under `node`; non-schema maps (a `properties` map, `components.schemas`) are walked as well,
/// which is harmless: their keys are names, never `nullable` or `properties` on their own.
export function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  let out = {};
  for (const [k, v] of Object.entries(node)) out[k] = toJsonSchema(v);
  // Closed objects: with `properties`, or `type: object` and nothing that says what it holds.
  const described = out.properties && typeof out.properties === "object" && !Array.isArray(out.properties);
  if ((described || out.type === "object") && !("additionalProperties" in out) && !out.allOf && !out.oneOf
      && !out.anyOf)
    out.additionalProperties = false;
  if (out.nullable === true && !("type" in out)) {
    const { nullable, description, ...rest } = out;
    out = { anyOf: [rest, { type: "null" }] };
    if (description !== undefined) out.description = description;
  }
  return out;
}

/// A JSON pointer token.
function token(s) {
  return String(s).replaceAll("~", "~0").replaceAll("/", "~1");
}

/// The node's route table ("METHOD /path" each) against the documented operations, both ways:
/// one line per operation on one side only.
export function routeDrift(served, documented) {
  const out = [];
  const doc = new Set(documented);
  const srv = new Set(served);
  for (const op of srv) if (!doc.has(op)) out.push(`${op}: served by the node, missing from docs/openapi.yaml`);
  for (const op of doc) if (!srv.has(op)) out.push(`${op}: in docs/openapi.yaml, not in the node's route table`);
  return out;
}

export class Spec {
  /// `file`: the OpenAPI document (YAML).
  constructor(file) {
    this.doc = YAML.parse(readFileSync(file, "utf8"), { maxAliasCount: -1, merge: true });
    if (!/^3\.0\./.test(String(this.doc.openapi)))
      throw new Error(`${file}: expected OpenAPI 3.0.x, found ${this.doc.openapi}`);
    // strict: false lets OpenAPI's own keywords (example, description on a $ref sibling, the
    // document's non-schema parts) pass; the checking keywords are all draft-07.
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    const converted = toJsonSchema(clone(this.doc));
    converted.$id = "openapi.json";
    this.ajv.addSchema(converted);
    this.validators = new Map();
  }

  /// Every documented operation as "METHOD /path".
  operations() {
    const out = [];
    for (const [path, item] of Object.entries(this.doc.paths ?? {}))
      for (const m of METHODS) if (item[m]) out.push(`${m.toUpperCase()} ${path}`);
    return out;
  }

  /// A response object, following `$ref: "#/components/responses/..."`.
  resolve(node, where) {
    let pointer = where;
    while (node && typeof node === "object" && "$ref" in node) {
      const ref = node.$ref;
      if (!ref.startsWith("#/")) throw new Error(`${where}: only local $ref are supported, not ${ref}`);
      pointer = ref.slice(1);
      node = ref.slice(2).split("/").reduce((n, part) => n?.[part.replaceAll("~1", "/").replaceAll("~0", "~")], this.doc);
    }
    return { node, pointer };
  }

  /// Checks one exchange: the route template and method are documented, the status is one of the
  /// operation's responses, the content type one of that response's media types, and a JSON body
  /// is valid against that media type's schema. Returns the list of problems (empty: it holds).
  check({ method, route, status, contentType, body }) {
    const m = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
    const item = this.doc.paths?.[route];
    if (!item) return [`path not in docs/openapi.yaml`];
    const op = item[m];
    if (!op) return [`method ${method} not documented for this path`];
    const declared = op.responses?.[String(status)];
    if (!declared) return [`status ${status} not documented (documented: ${Object.keys(op.responses ?? {}).join(", ")})`];
    const base = `#/paths/${token(route)}/${m}/responses/${status}`;
    const { node: response, pointer } = this.resolve(declared, base);
    const content = response?.content ?? {};
    const media = String(contentType ?? "").split(";")[0].trim();
    if (!(media in content))
      return [`content type '${media}' not documented (documented: ${Object.keys(content).join(", ") || "none"})`];
    if (media !== "application/json") return [];
    if (!content[media].schema) return [`no schema documented for ${media}`];
    let value;
    try {
      value = JSON.parse(body);
    } catch (e) {
      return [`body is not JSON: ${e.message}`];
    }
    const schemaRef = `openapi.json${pointer.startsWith("#") ? pointer : "#" + pointer}/content/${token(media)}/schema`;
    let validate = this.validators.get(schemaRef);
    if (!validate) {
      try {
        validate = this.ajv.compile({ $ref: schemaRef });
      } catch (e) {
        return [`the schema at ${schemaRef} does not compile: ${e.message}`];
      }
      this.validators.set(schemaRef, validate);
    }
    if (validate(value)) return [];
    return validate.errors.slice(0, 8).map((e) => {
      const extra = e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : "";
      return `${e.instancePath || "(body)"}: ${e.message}${extra} [${e.schemaPath}]`;
    });
  }
}
