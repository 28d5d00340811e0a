#!/usr/bin/env bash
# README's main job: set up, build, and run ringkeeper locally on its embedded defaults.
# For now it starts one embedded storage node, writes and reads data and takes a snapshot;
# it grows into a whole local cluster (scheduler, agents, UI) as the cluster work lands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
ninja -C build rk-node rkctl
state=.local-cluster
mkdir -p "$state"
echo "== ringkeeper: embedded node demo (data under $state/node1)"
build/storage/rk-node demo --data-dir "$state/node1"
echo "== token of a few keys (rkctl token)"
build/cli/rkctl token alice bob carol
