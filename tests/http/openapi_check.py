#!/usr/bin/env python3
"""Holds recorded HTTP exchanges against docs/openapi.yaml.

Usage: openapi_check.py [--partial] SPEC.yaml EXCHANGES.json

EXCHANGES is a JSON array of {"method", "route" (the path template), "status", "content_type",
"body"} as the node answered them. Every exchange must name a documented path and method, a
documented status, the documented content type, and a body valid against the response schema.
Response objects are checked closed: a field the schema does not name is drift too. Every
documented operation must appear among the exchanges, unless --partial (a test that checks only
the routes it exercises). Exit 0 if all hold, 1 otherwise.
"""
import copy
import json
import sys
import warnings

import jsonschema
import yaml


def close_objects(node):
    """OpenAPI 3.0 schema -> JSON Schema: nullable as a null type, objects closed."""
    if isinstance(node, dict):
        if node.get("nullable") and "type" in node:
            node["type"] = [node["type"], "null"]
            node.pop("nullable")
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            close_objects(v)
    elif isinstance(node, list):
        for v in node:
            close_objects(v)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def main():
    args = sys.argv[1:]
    partial = bool(args) and args[0] == "--partial"
    if partial:
        args = args[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    with open(args[0]) as f:
        spec = yaml.safe_load(f)
    with open(args[1]) as f:
        exchanges = json.load(f)
    schema_root = copy.deepcopy(spec)
    close_objects(schema_root)
    with warnings.catch_warnings():  # newer jsonschema deprecates RefResolver; Debian 12's has only it
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver("", schema_root)

    failures = []
    seen = set()
    for ex in exchanges:
        method = ex["method"].lower()
        where = f'{ex["method"]} {ex["route"]} -> {ex["status"]}'
        item = spec["paths"].get(ex["route"])
        if item is None:
            failures.append(f"{where}: path not in the spec")
            continue
        op = item.get("get" if method == "head" else method)
        if op is None:
            failures.append(f"{where}: method not in the spec")
            continue
        seen.add((ex["route"], method))
        response = op["responses"].get(str(ex["status"]))
        if response is None:
            failures.append(f"{where}: status not documented (documented: {', '.join(op['responses'])})")
            continue
        response = resolve(spec, response)
        content = response.get("content", {})
        media = ex["content_type"].split(";")[0].strip()
        if media not in content:
            failures.append(f"{where}: content type {media!r} not documented ({', '.join(content)})")
            continue
        if media != "application/json":
            continue
        try:
            body = json.loads(ex["body"])
        except ValueError as e:
            failures.append(f"{where}: body is not JSON: {e}")
            continue
        closed = schema_root["paths"][ex["route"]]["get" if method == "head" else method]
        schema = resolve(schema_root, closed["responses"][str(ex["status"])])["content"][media]["schema"]
        errors = sorted(jsonschema.Draft7Validator(schema, resolver=resolver).iter_errors(body), key=str)
        for e in errors[:5]:
            at = "/".join(str(p) for p in e.absolute_path) or "(body)"
            failures.append(f"{where}: {at}: {e.message[:300]}")

    for route, item in ([] if partial else spec["paths"].items()):
        for method in ("get", "post", "put", "delete", "patch"):
            if method in item and (route, method) not in seen:
                failures.append(f"{method.upper()} {route}: documented but never exercised")

    for f in failures:
        print(f)
    print(f"openapi_check: {len(exchanges)} exchanges, {len(seen)} operations, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
