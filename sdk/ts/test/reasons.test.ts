// REASON_CODES is docs/formats.md section 12 plus docs/http.md's edge reasons, both ways.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REASON_CODES } from "../src/index.js";
import { repoRoot, section } from "./doc.js";

test("every reason code of the docs is in REASON_CODES with its number, and no other", () => {
  const rows = new Map<string, number>();
  for (const m of section("## 12. Error codes").matchAll(/^\| `([a-z_]+)` \| (\d+) \|/gm)) rows.set(m[1]!, Number(m[2]));
  const http = readFileSync(path.join(repoRoot, "docs/http.md"), "utf8");
  for (const m of http.matchAll(/^\| `([a-z_]+)` \| (10\d\d) \|/gm)) rows.set(m[1]!, Number(m[2]));
  assert.ok(rows.size >= 130, `only ${rows.size} reason codes found in the docs`);
  assert.deepEqual(Object.fromEntries([...rows].sort()), Object.fromEntries(Object.entries(REASON_CODES).sort()));
});
