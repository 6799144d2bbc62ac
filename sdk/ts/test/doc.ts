// Reads docs/formats.md and pulls out its worked examples, so the tests check the text itself and
// not a copy of it. BFD_FORMATS_DOC overrides the path.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test -> the repository root. */
export const repoRoot = path.resolve(here, "../../../..");
export const formatsPath = process.env.BFD_FORMATS_DOC ?? path.join(repoRoot, "docs/formats.md");
export const doc = readFileSync(formatsPath, "utf8");

/** The offset just past `phrase` (searched from `from`); throws when the doc lacks it. */
export function after(phrase: string, from = 0): number {
  const i = doc.indexOf(phrase, from);
  if (i < 0) throw new Error(`docs/formats.md no longer contains: ${phrase}`);
  return i + phrase.length;
}

/** The first fenced block after `phrase` (its content, trimmed). */
export function fenceAfter(phrase: string, from = 0): string {
  const start = doc.indexOf("```", after(phrase, from));
  const open = doc.indexOf("\n", start) + 1;
  const end = doc.indexOf("```", open);
  return doc.slice(open, end).trim();
}

/** The first inline `hex` of at least `min` hex digits after `phrase`. */
export function hexAfter(phrase: string, from = 0, min = 16): string {
  const re = new RegExp("`([0-9a-f]{" + min + ",})`", "g");
  re.lastIndex = after(phrase, from);
  const m = re.exec(doc);
  if (!m) throw new Error(`no hex after: ${phrase}`);
  return m[1]!;
}

/** The text of a section, from its heading to the next heading of the same or a higher level. */
export function section(heading: string): string {
  const start = doc.indexOf(heading);
  if (start < 0) throw new Error(`docs/formats.md has no heading ${heading}`);
  const level = heading.match(/^#+/)![0].length;
  const re = new RegExp(`\\n#{1,${level}} `, "g");
  re.lastIndex = start + heading.length;
  const m = re.exec(doc);
  return doc.slice(start, m ? m.index : doc.length);
}

/**
 * Every transaction kind the doc defines, number -> name: the rows of its tables headed
 * `| kind | name | ...` and the peg's list `NN peg_name: [...]`.
 */
export function docKinds(): Map<number, string> {
  const kinds = new Map<number, string>();
  const lines = doc.split("\n");
  let inKindTable = false;
  for (const line of lines) {
    if (/^\| kind \| name \|/.test(line)) {
      inKindTable = true;
      continue;
    }
    if (inKindTable) {
      if (!line.startsWith("|")) {
        inKindTable = false;
        continue;
      }
      const m = /^\| (\d+) \| `?([a-z_0-9]+)`? \|/.exec(line);
      if (m) kinds.set(Number(m[1]), m[2]!);
    }
    const peg = /^ {4}(\d+) ([a-z_]+):\s+\S/.exec(line);
    if (peg) kinds.set(Number(peg[1]), peg[2]!);
  }
  // The registry's kinds are named in a sentence: "6\n`sidechain_register`, 7 `sidechain_activate`, ...".
  for (const m of doc.matchAll(/(\d+)\s+`(sidechain_[a-z]+)`/g)) kinds.set(Number(m[1]), m[2]!);
  return kinds;
}
