#!/usr/bin/env bash
# Stops the daemons scripts/slurm/setup.sh started (by their pid files), slurmd first.
set -u
dir=${CLAIMCHECK_SLURM_DIR:-/tmp/claimcheck-slurm}
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
done
exit 0
