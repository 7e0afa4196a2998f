#!/usr/bin/env bash
# scripts/local-cluster: a second cluster started on the ports of a running
# one must fail with a clear error instead of reporting "up" while its
# nodes exit and its consoles talk to the other cluster's nodes.
# Usage: local-cluster.sh BUILD_DIR
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DKV_BIN_DIR=$1
# Below the C++ suites' ports (20000-31999) and Linux's ephemeral ones.
export DKV_BASE_PORT=$((19000 + ($$ % 90) * 10))
work=$(mktemp -d /tmp/dkv-local-cluster-XXXXXX)
failures=0
check() { # description, then a command that must succeed
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=1; fi
}
cleanup() {
  DKV_DATA_DIR=$work/first "$repo/scripts/local-cluster" stop >/dev/null 2>&1
  DKV_DATA_DIR=$work/second "$repo/scripts/local-cluster" stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

DKV_DATA_DIR=$work/first "$repo/scripts/local-cluster" start 1 \
  > "$work/first.out" 2>&1
check "the first cluster starts" grep -q "cluster of 1 nodes is up" \
  "$work/first.out"

DKV_DATA_DIR=$work/second "$repo/scripts/local-cluster" start 1 \
  > "$work/second.out" 2>&1
second_status=$?
cat "$work/second.out"
check "the second cluster fails" test "$second_status" -ne 0
check "it does not claim to be up" \
  bash -c "! grep -q 'is up' '$work/second.out'"
check "it names the port in use" \
  grep -q "port $((DKV_BASE_PORT + 1)) is in use" "$work/second.out"
check "it started no node" \
  bash -c "! ls '$work'/second/node1.pid 2>/dev/null"
check "the first cluster still answers" bash -c \
  "DKV_DATA_DIR='$work/first' '$repo/scripts/local-cluster' status \
   | grep -q 'node1 *up'"
exit $failures
