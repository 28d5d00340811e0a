#!/usr/bin/env bash
# Proves the README's two commands on a brand-new Debian 12: builds a minimal bookworm root with
# debootstrap, copies the committed checkout into it (nothing else: no build tree, no
# node_modules), and inside it runs the main job (scripts/run-local.sh, then writes and reads
# after idle gaps of 35 and 65 s, then scripts/stop-local.sh) and the test command (scripts/test.sh).
# Whatever the tests need must come from scripts/setup.sh; a machine's extras stay outside.
#
#   scripts/check-fresh-debian.sh [--keep] [--skip-main-job] [--ccache DIR]
#
#   --keep           leave the root in place (its path is printed) instead of deleting it
#   --skip-main-job  only the test command
#   --ccache DIR     share a compiler cache directory with the root (faster; the packages and
#                    headers still come only from the root's own setup)
#
# Needs root (debootstrap, chroot, mounts). Prints one line per step and a closing verdict; exits
# non-zero when either command failed. Logs: <root>/project/.fresh-debian/*.log.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0 main_job=1 ccache_dir=""
while (($#)); do
  case $1 in
    --keep) keep=1 ;;
    --skip-main-job) main_job=0 ;;
    --ccache) ccache_dir=$(realpath "$2"); shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-fresh-debian: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "check-fresh-debian: must run as root" >&2; exit 2; }
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

commit=$(git rev-parse --short HEAD)
root=$(mktemp -d /var/tmp/rk-fresh-debian.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if ((keep)); then echo "check-fresh-debian: root kept at $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
bind() { mkdir -p "$root$2"; mount --bind "$1" "$root$2"; mounted+=("$root$2"); }

step() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
step "debootstrap --variant=minbase bookworm $root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.debootstrap.log" 2>&1 ||
  { tail -20 "$root.debootstrap.log"; exit 1; }
rm -f "$root.debootstrap.log"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Machines behind an intercepting proxy add their CA to the system store; npm inside the root
# needs it too. Nothing else of the host goes in.
extra_ca=""
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  cat /usr/local/share/ca-certificates/*.crt >"$root/usr/local/share/ca-certificates/host-extra.pem"
  extra_ca=/usr/local/share/ca-certificates/host-extra.pem
fi

step "copying the committed checkout ($commit) to /project"
mkdir -p "$root/project"
git archive "$commit" | tar -x -C "$root/project"
(cd "$root/project" && git init -q && git add -A && git -c user.name=check -c user.email=check@localhost commit -qm checkout)
mkdir -p "$root/project/.fresh-debian"

bind /proc /proc
bind /sys /sys
bind /dev /dev
bind /dev/pts /dev/pts
bind /dev/shm /dev/shm
if [ -n "$ccache_dir" ]; then bind "$ccache_dir" /root/.cache/ccache; fi

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 CI=true ${extra_ca:+NODE_EXTRA_CA_CERTS=$extra_ca} \
    ${ccache_dir:+CCACHE_BASEDIR=/project CCACHE_NOHASHDIR=1} \
    bash -c "cd /project && $1"
}

step "git (a machine that has the checkout has git; nothing else is added)"
in_root "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git >/dev/null" \
  >"$root/project/.fresh-debian/base.log" 2>&1

verdict=0
if ((main_job)); then
  step "main job: scripts/run-local.sh"
  if in_root 'scripts/run-local.sh' >"$root/project/.fresh-debian/main-job.log" 2>&1; then
    # Idle gaps on both sides of the servers' 30 s idle timeout: pooled client connections that
    # outlive it were the first thing a new user used to meet.
    ok=1
    for gap in 35 65; do
      step "main job: idle ${gap} s, then write and read"
      sleep "$gap"
      in_root "export RK_TOKEN=\$(cat .local-cluster/operator.token) &&
               build/cli/rkctl write demo.events fresh-key-$gap greeting=hello &&
               build/cli/rkctl read demo.events fresh-key-$gap | grep -q hello &&
               build/cli/rkctl status" >>"$root/project/.fresh-debian/main-job.log" 2>&1 || ok=0
    done
    if ((ok)); then
      step "main job: OK"
    else
      step "main job: a write or read after an idle gap FAILED"; verdict=1
    fi
  else
    step "main job: scripts/run-local.sh FAILED"; verdict=1
  fi
  in_root 'scripts/stop-local.sh' >>"$root/project/.fresh-debian/main-job.log" 2>&1 || true
  ((verdict == 0)) || tail -30 "$root/project/.fresh-debian/main-job.log"
fi

step "test command: scripts/test.sh"
if in_root 'scripts/test.sh' >"$root/project/.fresh-debian/test.log" 2>&1; then
  step "test command: OK ($(grep -E 'tests passed|passed, ' "$root/project/.fresh-debian/test.log" | tail -2 | tr '\n' ' '))"
else
  step "test command: FAILED"; verdict=1
  grep -E "Failed|FAILED|\*\*\*|tests passed" "$root/project/.fresh-debian/test.log" | tail -40
fi

if ((verdict == 0)); then
  echo "check-fresh-debian: PASSED on a brand-new Debian 12 root ($commit)"
else
  keep=1
  echo "check-fresh-debian: FAILED ($commit); logs in $root/project/.fresh-debian/"
fi
exit $verdict
