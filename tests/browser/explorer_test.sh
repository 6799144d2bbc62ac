#!/usr/bin/env bash
# The web explorer (explorer/, docs/explorer.md) in headless Chromium against a real
# `bfd-node --dev --sidechains 7`: tests/browser/explorer.mjs (playwright-core) opens every page,
# fails on any console error, page error, failed request or HTTP error answer, makes a transfer with
# the real bfd-cli, finds it through the search box and waits until the page shows it final.
# Screenshots of each page go to OUT_DIR (printed at the end). Bounded waits throughout.
# Needs Debian's chromium and `npm ci` in tests/browser (tools/setup/install-deps.sh installs both).
# Usage: explorer_test.sh PATH/TO/bfd-node PATH/TO/bfd-cli REPO_ROOT OUT_DIR
set -u
node_bin=$(realpath "${1:?usage: explorer_test.sh BFD_NODE BFD_CLI REPO_ROOT OUT_DIR}")
cli=$(realpath "${2:?usage: explorer_test.sh BFD_NODE BFD_CLI REPO_ROOT OUT_DIR}")
root=$(realpath "${3:?usage: explorer_test.sh BFD_NODE BFD_CLI REPO_ROOT OUT_DIR}")
out=${4:?usage: explorer_test.sh BFD_NODE BFD_CLI REPO_ROOT OUT_DIR}
browser_dir="$root/tests/browser"
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ] || ! command -v node >/dev/null || [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  echo "FAIL: needs Debian's chromium, Node.js and tests/browser's packages: run tools/setup/install-deps.sh" >&2
  exit 1
fi
mkdir -p "$out" && out=$(realpath "$out")
rm -f "$out"/*.png
work=$(mktemp -d /tmp/bfd-explorer-XXXXXX)
source "$root/tests/integration/dev_node_lib.sh"
started=$SECONDS
step() { echo "[$((SECONDS - started)) s] $*"; }

# A directory without index.html is an error at start, before anything runs.
if timeout 20 "$node_bin" --dev --data-dir "$work/bad" --http 127.0.0.1:0 --explorer-dir "$work/nowhere" >bad.log 2>&1; then
  fail "bfd-node started with --explorer-dir naming no explorer"
fi
grep -q "no index.html" bad.log && ok "--explorer-dir without index.html is refused: $(tail -n 1 bad.log)" \
  || fail "--explorer-dir without index.html: $(tail -n 3 bad.log)"

# The node finds the repository's explorer/ from its binary (build/bin/../../explorer); name it
# anyway, so a build directory elsewhere tests the same files.
# One-second slots: a transfer stays pending or included for a moment, long enough for the page to
# show it before it is final.
"$node_bin" --dev --data-dir "$work/data" --http "127.0.0.1:$port" --slot-ms 1000 --delegates 6 --work-bits 0 \
  --sidechains 7 --explorer-dir "$root/explorer" >>"$work/node.log" 2>&1 &
node_pid=$!
wait_for 40 grep -q "explorer: http://127.0.0.1:$port/explorer/" node.log || fatal "no explorer URL in the start message"
step "start message: $(grep -o 'explorer: .*' node.log | head -1)"
wait_for 40 at_least main_final 1 || fatal "the mainchain is not final within 40 s"
step "node up on port $port"

keys="$work/data/keys"
to=$("$cli" key show "$keys/account-01.json" | sed -n 's/^address: //p')
[ -n "$to" ] || fatal "no address for account-01"

timeout 90 node "$browser_dir/explorer.mjs" --base "$BFD_NODE" --cli "$cli" --key "$keys/account-00.json" --to "$to" \
  --peg-key "$keys/account-04.json" \
  --chromium "$chromium" --out "$out"
rc=$?
step "browser done"
[ $rc -eq 0 ] || fail "explorer.mjs: exit code $rc (its FAIL lines above)"
echo "screenshots: $out"
finish explorer-browser
