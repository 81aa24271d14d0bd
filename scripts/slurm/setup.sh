#!/usr/bin/env bash
# A single-node Slurm on this host, for `npm run test:slurm`: installs Debian's slurm-wlm and munge
# when missing, writes a minimal slurm.conf and a munge key under $CLAIMCHECK_SLURM_DIR, starts
# munged, slurmctld and slurmd directly (no systemd) and waits until the node is idle.
# Needs root (apt-get, the daemons). Stop them with scripts/slurm/stop.sh.
# Afterwards: `. "$CLAIMCHECK_SLURM_DIR/env.sh"` points sinfo/sbatch/squeue at this cluster.
set -euo pipefail

dir=${CLAIMCHECK_SLURM_DIR:-/tmp/claimcheck-slurm}
say() { echo "slurm setup: $*"; }
die() {
  echo "slurm setup: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (apt-get and the daemons); on a cluster you do not own, skip this script and use its Slurm"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || die "slurm-wlm and munge are missing and there is no apt-get to install them"
  say "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d 101: the packages' maintainer scripts must not start their own daemons
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$dir"/{state,spool,log,munge}
chmod 700 "$dir/munge"
export SLURM_CONF="$dir/slurm.conf"
socket="$dir/munge/munge.socket"

# munge: its own key, socket and pid file, so that a munged of the host (if any) is left alone
if [ ! -s "$dir/munge/munge.key" ]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$dir/munge/munge.key"
if ! { [ -s "$dir/munge/munged.pid" ] && kill -0 "$(cat "$dir/munge/munged.pid")" 2>/dev/null; }; then
  munged --force --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
fi
munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null || die "munge does not round-trip (see $dir/log/munged.log)"

host=$(hostname -s)
# this node's CPUs, sockets, cores and memory as slurmd sees them; addresses are the loopback, so the
# host name need not resolve
node=$(slurmd -C | head -n 1)
[[ $node == NodeName=* ]] || die "slurmd -C printed no node line: $node"
cat >"$SLURM_CONF" <<CONF
# written by scripts/slurm/setup.sh: one node, this host, no accounting
ClusterName=claimcheck
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmctldPort=${CLAIMCHECK_SLURMCTLD_PORT:-16817}
SlurmdPort=${CLAIMCHECK_SLURMD_PORT:-16818}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
printf 'export SLURM_CONF=%q\n' "$SLURM_CONF" >"$dir/env.sh"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
alive "$dir/slurmctld.pid" || slurmctld -i -f "$SLURM_CONF" # -i: ignore the state of an earlier run
alive "$dir/slurmd.pid" || slurmd -f "$SLURM_CONF"

for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true)
  if [ "$state" = idle ]; then
    say "$(sinfo -V), node $host idle ($(sinfo -h -N -o '%c CPUs'))"
    exit 0
  fi
  sleep 1
done
echo "--- slurmctld.log" >&2 && tail -n 20 "$dir/log/slurmctld.log" >&2 || true
echo "--- slurmd.log" >&2 && tail -n 20 "$dir/log/slurmd.log" >&2 || true
die "the node did not become idle in 60 s (state: ${state:-none}; logs in $dir/log)"
