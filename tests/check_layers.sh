#!/usr/bin/env bash
# Fails if an #include breaks the layer table of DESIGN.md section 1.
set -u
root=${1:-.}
cd "$root" || exit 2
fail=0

# forbid DIR PATTERN WHY [EXCLUDE]
forbid() {
  local dir=$1 pattern=$2 why=$3 exclude=${4:-}
  [ -d "$dir" ] || return 0
  local hits
  hits=$(grep -rnE "#include[[:space:]]*[<\"]($pattern)" "$dir" --include='*.hpp' --include='*.cpp' --include='*.h' 2>/dev/null)
  if [ -n "$exclude" ]; then hits=$(echo "$hits" | grep -v "$exclude"); fi
  if [ -n "$hits" ]; then
    echo "layering: $dir must not include $why:"
    echo "$hits" | sed 's/^/  /'
    fail=1
  fi
}

forbid chains 'caf/' "CAF"
forbid chains 'rocksdb/' "RocksDB outside chains/storage/rocksdb" '^chains/storage/rocksdb/'
# wabt (the WebAssembly interpreter) is allowed in chains/contracts only.
forbid chains 'wabt/' "wabt outside chains/contracts" '^chains/contracts/'
forbid chains 'chrono|random|ctime|time\.h' "clocks or randomness (time and seeds are arguments)"
forbid chains '(protocols|actors|runtime|config|tools)/' "higher layers"
forbid protocols '(actors|runtime|config|tools)/' "actors, runtime, config or tools"
forbid actors '(runtime|config|tools)/' "runtime, config or tools"
forbid runtime 'tools/' "tools"
forbid config '(caf/|actors/|runtime/|protocols/|tools/)' "CAF, actors, runtime, protocols or tools"

if [ $fail -eq 0 ]; then echo "layering: every include respects DESIGN.md section 1"; fi
exit $fail
