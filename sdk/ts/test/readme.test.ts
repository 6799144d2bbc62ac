// The README's TypeScript example is sdk/ts/examples/transfer.ts, the file the live test runs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./doc.js";

test("the README's TypeScript example is examples/transfer.ts, word for word, in at most 30 lines", () => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const at = readme.indexOf("### TypeScript");
  assert.ok(at >= 0, "README.md has no TypeScript section");
  const open = readme.indexOf("```ts\n", at);
  assert.ok(open >= 0, "the TypeScript section has no ```ts block");
  const block = readme.slice(open + 6, readme.indexOf("```", open + 6));
  const file = readFileSync(path.join(repoRoot, "sdk/ts/examples/transfer.ts"), "utf8");
  assert.equal(block, file);
  assert.ok(file.trimEnd().split("\n").length <= 30, "the example is over 30 lines");
});
