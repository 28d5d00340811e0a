#!/usr/bin/env bash
# README's main job: set up, build, and run a local ringkeeper cluster on 127.0.0.1 — one
# rk-scheduler and three rk-agents (racks r1, r2, r3) — create a keyspace with RF 3, load sample
# data with `rkctl load`, repair it (a full run, shown with its progress bar, and a daily
# incremental schedule), show `rkctl status`, back the cluster up to a file:// store under
# .local-cluster/backups (docs/backup.md), show the backup and verify it, and leave the cluster
# running.
# State (config, SQLite file, agents' data, logs, pid files) lives under .local-cluster/.
#
#   scripts/run-local.sh            start (or restart) the cluster; data from earlier runs is kept
#   scripts/run-local.sh --reset    wipe .local-cluster/ first and start from nothing
#   scripts/stop-local.sh           stop it
#
# A second run stops the processes of the first (pid files), reuses their data (same host ids,
# so the same tokens) and the keyspace; every listener but the scheduler's takes a free port, and
# the scheduler takes 7400 unless something else holds it.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.local-cluster
root=$(pwd)

reset=0
for arg in "$@"; do
  case "$arg" in
    --reset) reset=1 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-local.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
ninja -C build rk-scheduler rk-agent rkctl

scheduler_bin=$root/build/scheduler/rk-scheduler
agent_bin=$root/build/agent/rk-agent
rkctl_bin=$root/build/cli/rkctl

# Stale processes of an earlier run go first (only ours: see stop-local.sh).
bash scripts/stop-local.sh --quiet
if [[ $reset == 1 ]]; then
  echo "== removing $state (--reset)"
  rm -rf "$state"
fi
mkdir -p "$state"
chmod 700 "$state"

# Tokens: made once, kept with the state (mode 600), never printed.
if [[ ! -f "$state/operator.token" ]]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/operator.token"
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/agent.token"
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/cluster.secret"
  chmod 600 "$state"/*.token "$state/cluster.secret"
fi
operator_token=$(cat "$state/operator.token")
agent_token=$(cat "$state/agent.token")
cluster_secret=$(cat "$state/cluster.secret")

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits for a port file written by a process; fails with the log's tail if the process dies.
wait_port_file() {
  local file=$1 pid=$2 log=$3
  for _ in $(seq 1 300); do
    if [[ -s "$file" ]]; then cat "$file"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run-local.sh: process $pid exited; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "run-local.sh: no $file after 30 s; see $log" >&2
  return 1
}

scheduler_port=7400
if port_in_use 7400; then
  echo "== port 7400 is in use by another program; the scheduler takes a free port instead"
  scheduler_port=0
fi
# The object store the scheduler and the agents share.
backup_yaml() {
  cat <<YAML
backup:
  store:
    url: file://$root/$state/backups
YAML
}
cat > "$state/scheduler.yaml" <<YAML
api:
  port: $scheduler_port
  port_file: $root/$state/scheduler.port
datacenter_racks: [r1, r2, r3]
database:
  path: $root/$state/scheduler.db
registry:
  heartbeat_timeout: 10s
auth:
  agent_token: $agent_token
  tokens: ['local-operator:operator:$operator_token']
$(backup_yaml)
YAML
chmod 600 "$state/scheduler.yaml"
rm -f "$state/scheduler.port"
echo "== starting rk-scheduler (log: $state/scheduler.log)"
setsid "$scheduler_bin" --config "$state/scheduler.yaml" >>"$state/scheduler.log" 2>&1 < /dev/null &
echo $! > "$state/scheduler.pid"
scheduler_port=$(wait_port_file "$state/scheduler.port" "$(cat "$state/scheduler.pid")" \
                 "$state/scheduler.log")
scheduler_url=http://127.0.0.1:$scheduler_port
rkctl() { RK_TOKEN=$operator_token "$rkctl_bin" --scheduler "$scheduler_url" "$@"; }

for n in 1 2 3; do
  dir=$state/agent$n
  mkdir -p "$dir"
  rm -f "$dir"/*.port
  cat > "$dir/agent.yaml" <<YAML
cluster: ringkeeper
datacenter: dc1
rack: r$n
num_tokens: 1
data_dir: $root/$dir/data
scheduler_url: $scheduler_url
agent_token: $agent_token
cluster_secret: $cluster_secret
heartbeat_interval: 1s
ops:
  port: 0
  port_file: $root/$dir/ops.port
internode:
  port: 0
  port_file: $root/$dir/internode.port
client:
  port: 0
  port_file: $root/$dir/client.port
$(backup_yaml)
# The local cluster shares this machine's filesystem with everything else on it, and its data is
# a few MiB: the production thresholds (WARNING under 60% free, CRITICAL under 50%: room for a
# compaction to double a node's data) would postpone its repairs on a half-full disk.
signals:
  disk_warning: "10%:"
  disk_critical: "5%:"
YAML
  chmod 600 "$dir/agent.yaml"
  echo "== starting rk-agent $n in rack r$n (log: $dir/agent.log)"
  setsid "$agent_bin" --config "$dir/agent.yaml" >>"$dir/agent.log" 2>&1 < /dev/null &
  echo $! > "$dir/agent.pid"
done
for n in 1 2 3; do
  dir=$state/agent$n
  wait_port_file "$dir/client.port" "$(cat "$dir/agent.pid")" "$dir/agent.log" >/dev/null
done

echo "== waiting for three NORMAL nodes that all see the current ring"
ring_version() {  # the version of the ring at URL ("" if unreachable)
  # The document is read first: no grep in a pipeline with curl (with pipefail, an early exit
  # would fail the writer with SIGPIPE). Node versions are strings, so the only numeric
  # "version" is the ring's.
  local doc
  doc=$(curl -sf "$1" 2>/dev/null || true)
  grep -o '"version":[0-9][0-9]*' <<<"$doc" | tail -n 1 | cut -d: -f2 || true
}
agents_current() {  # every agent serves the scheduler's current ring (not an old cached one)
  local want=$1 n
  for n in 1 2 3; do
    [[ "$(ring_version "http://127.0.0.1:$(cat "$state/agent$n/ops.port")/v1/ring")" == "$want" ]] ||
      return 1
  done
}
for i in $(seq 1 300); do
  ring=$(rkctl ring --json 2>/dev/null || true)
  normal=$(grep -o '"state":"NORMAL"' <<<"$ring" | wc -l || true)
  current=$(ring_version "$scheduler_url/api/v1/ring")
  if [[ "$normal" -ge 3 && -n "$current" ]] && agents_current "$current"; then
    break
  fi
  if [[ $i == 300 ]]; then
    echo "run-local.sh: the nodes did not all become NORMAL within 30 s; logs are under $state/" >&2
    exit 1
  fi
  sleep 0.1
done

if rkctl keyspace describe demo >/dev/null 2>&1; then
  echo "== keyspace demo exists (from an earlier run)"
else
  echo "== creating keyspace demo (SimpleStrategy, RF 3) and table demo.events"
  rkctl keyspace create demo --rf 3 >/dev/null
fi
if ! rkctl table describe demo.events >/dev/null 2>&1; then
  rkctl table create demo.events >/dev/null
fi

echo "== loading sample data: rkctl load demo.events --rows 20000 --batch 100 --cl QUORUM"
rkctl load demo.events --rows 20000 --batch 100 --cl QUORUM

echo "== one row back: rkctl read demo.events key-42"
rkctl read demo.events key-42

echo "== repairing: rkctl repair start demo --wait (a full, sequential run over every range)"
if ! rkctl repair start demo --wait; then
  echo "== the repair run did not end DONE; see: rkctl repair list, rkctl repair show ID" >&2
fi
schedules=$(rkctl schedule list --json)  # read first: no grep -q on a pipe under pipefail
if grep -q '"keyspace":"demo"' <<<"$schedules"; then
  echo "== a repair schedule for demo exists (from an earlier run)"
else
  echo "== adding a daily incremental repair schedule: rkctl schedule add demo --interval 1d --start-in 1d"
  rkctl schedule add demo --interval 1d --start-in 1d
fi
rkctl schedule list

echo "== rkctl status --keyspace demo"
rkctl status --keyspace demo

tag=local-$(date -u +%Y%m%d-%H%M%S)
echo "== backing up the cluster to file://$root/$state/backups: rkctl backup start $tag --wait"
rkctl backup start "$tag" --wait
echo "== rkctl backup verify $tag"
rkctl backup verify "$tag"
echo "== rkctl backup list"
rkctl backup list

cat <<MSG

The cluster is running (scheduler $scheduler_url; state, logs and pid files in $state/).
Try it:
  export RK_TOKEN=\$(cat $state/operator.token)
  build/cli/rkctl --scheduler $scheduler_url status
  build/cli/rkctl --scheduler $scheduler_url write demo.events mykey greeting=hello
  build/cli/rkctl --scheduler $scheduler_url read demo.events mykey
  build/cli/rkctl --scheduler $scheduler_url repair list
  build/cli/rkctl --scheduler $scheduler_url repair start demo --incremental --wait
  build/cli/rkctl --scheduler $scheduler_url backup list
The web UI is at $scheduler_url/ (sign in with the token in $state/operator.token; docs/ui.md).
Stop it with:
  scripts/stop-local.sh
MSG
