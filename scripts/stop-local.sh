#!/usr/bin/env bash
# Stops the local cluster started by scripts/run-local.sh: every process named by a pid file under
# .local-cluster/ (SIGTERM, then SIGKILL after 10 s). Only processes whose command line is still a
# ringkeeper binary are signalled, so a stale pid file never hits an unrelated process.
# Usage: scripts/stop-local.sh [--quiet]
set -euo pipefail
cd "$(dirname "$0")/.."
state=.local-cluster
quiet=0
[[ "${1:-}" == "--quiet" ]] && quiet=1
say() { [[ $quiet == 1 ]] || echo "$@"; }

stopped=0
shopt -s nullglob
# Agents first: an agent stopping while the scheduler is gone would wait on its last heartbeat.
for pidfile in "$state"/*/*.pid "$state"/*.pid; do
  pid=$(cat "$pidfile" 2>/dev/null || true)
  name=$(basename "$(dirname "$pidfile")")/$(basename "$pidfile" .pid)
  name=${name#./}
  name=${name#.local-cluster/}
  cmd=""
  # A pid file left by a process that has exited names no /proc entry: nothing to stop.
  [[ -n "$pid" ]] && cmd=$({ tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null || true)
  if [[ "$cmd" == *rk-scheduler* || "$cmd" == *rk-agent* ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name (pid $pid) did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $name (pid $pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
if [[ $stopped == 0 ]]; then
  say "no local cluster running"
fi
