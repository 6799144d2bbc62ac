#!/usr/bin/env bash
# Rebuilds the example contracts from WAT (wat2wasm) and C (clang --target=wasm32, wasm-ld).
#   build.sh           rebuild the .wasm files in place
#   build.sh --check   rebuild into a temporary directory and fail if any differs from the committed one
# Exits 77 (skipped) when the toolchain is missing: the committed .wasm files are what the build uses.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-build}
for tool in wat2wasm clang wasm-ld; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found, skipping"; exit 77; }
done
out=$here
if [ "$mode" = --check ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi

for name in counter token loop broken_counter fee commission discount service_desk; do
  wat2wasm "$here/$name.wat" -o "$out/$name.wasm"
done
# -O2, no libc, no entry point; exports come from export_name attributes. The flags are fixed so the
# output is byte-for-byte reproducible with Debian 12's clang 14.
for name in counter token fee commission discount service_desk; do
  clang --target=wasm32 -O2 -nostdlib -ffreestanding -fno-builtin -Wall -Werror \
        -Wl,--no-entry -Wl,--strip-all -Wl,--initial-memory=131072 -Wl,--max-memory=131072 \
        -o "$out/${name}_c.wasm" "$here/$name.c"
done

if [ "$mode" = --check ]; then
  status=0
  for f in counter.wasm token.wasm loop.wasm broken_counter.wasm fee.wasm commission.wasm discount.wasm \
           counter_c.wasm token_c.wasm fee_c.wasm commission_c.wasm discount_c.wasm service_desk.wasm service_desk_c.wasm; do
    if ! cmp -s "$here/$f" "$out/$f"; then echo "build.sh: $f differs from its source's build"; status=1; fi
  done
  [ $status -eq 0 ] && echo "build.sh: every committed .wasm matches its source"
  exit $status
fi
echo "build.sh: rebuilt $(ls "$out"/*.wasm | wc -l) modules in $out"
