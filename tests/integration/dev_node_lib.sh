# Shared by the integration tests that drive one `bfd-node --dev` through the real bfd-cli
# (sidechain_lifecycle_test.sh, peg_dev_test.sh, tests/tools/cli_acl_test.sh, ds_cli_node_test.sh, ...). Source it after setting node_bin, cli and work
# (a fresh temporary directory); it cds into $work, removes it on exit, picks a free HTTP port
# (exported as BFD_NODE for bfd-cli) and defines the helpers below.

node_pid=""
node_rc=""
# stop_node: SIGTERM (a clean stop), SIGKILL after 10 s so the wait stays bounded; exit code in node_rc.
stop_node() {
  if [ -n "$node_pid" ]; then
    kill "$node_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$node_pid" 2>/dev/null
    wait "$node_pid" 2>/dev/null
    node_rc=$?
    node_pid=""
  fi
}
cleanup() {
  stop_node
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
# finish NAME: stops the node and exits 0 with "NAME: all checks passed", or 1 after the node's
# last log lines when a check failed.
finish() {
  stop_node
  if [ $failures -eq 0 ]; then
    echo "$1: all checks passed"
    exit 0
  fi
  tail -n 20 "$work/node.log"
  exit 1
}
# fatal MESSAGE: a failure the rest of the test cannot go on from.
fatal() {
  echo "FAIL: $*" >&2
  tail -n 40 "$work/node.log" >&2
  exit 1
}

# run ARGS...: runs bfd-cli (with timeout as a backstop), stdout in out, stderr in err, code in rc.
run() {
  timeout 150 "$cli" "$@" >out 2>err
  rc=$?
}
field() { sed -n "s/^$1: //p" out; }

# json_of EXPR ARGS...: runs bfd-cli ARGS (which print JSON) and prints the Python expression EXPR
# of the answer `j`, or nothing when the command or the expression fails.
json_of() {
  local expr=$1
  shift
  timeout 30 "$cli" "$@" 2>/dev/null | python3 -c "import json,sys
try:
  j = json.load(sys.stdin); print($expr)
except Exception:
  pass" 2>/dev/null
}
main_final() { json_of 'j["final"]["height"]' info --json; }

# wait_for SECONDS COMMAND...: runs COMMAND every 0.3 s until it succeeds; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  while [ $SECONDS -lt $deadline ]; do
    "$@" && return 0
    sleep 0.3
  done
  return 1
}
# at_least VALUE-COMMAND N: whether the command prints an integer >= N.
at_least() {
  local v
  v=$($1)
  [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$2" ]
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BFD_NODE="http://127.0.0.1:$port"
# start_node [ARGS...]: a small, fast dev network (6 delegates, 300 ms slots) on $port; ARGS
# replace the default "--sidechains 1" (sidechain 2 only).
start_node() {
  local extra=(--sidechains 1)
  [ $# -gt 0 ] && extra=("$@")
  "$node_bin" --dev --data-dir "$work/data" --http "127.0.0.1:$port" --slot-ms 300 --delegates 6 \
    --work-bits 0 "${extra[@]}" >>"$work/node.log" 2>&1 &
  node_pid=$!
}
