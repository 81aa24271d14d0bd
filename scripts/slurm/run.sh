#!/usr/bin/env bash
# npm run test:slurm: the README's shard recipe on a real single-node Slurm. Starts Slurm on this host
# (setup.sh; needs root), builds, runs a job array of K shards (shards.sh) and the merge job after it
# (merge.sh, --dependency=afterok), runs the same claims unsharded, and checks that the merged report
# equals the unsharded one, timings and environment aside (compare-reports.mjs). Stops the daemons at
# the end, also on failure. Exit 0 only when the reports are equal.
# Environment: CLAIMCHECK_SHARDS (K, default 4), CLAIMCHECK_SLURM_CLAIMS (claim ids or paper keys,
# space-separated; default a quick dozen from the four papers), CLAIMCHECK_SLURM_TIME (minutes per job).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
k=${CLAIMCHECK_SHARDS:-4}
read -r -a claims <<<"${CLAIMCHECK_SLURM_CLAIMS:-frei2022.srank-tends-to-1 frei2022.relu-rank-at-most-2 razin2020.c1-solution-norms \
razin2020.c2-transposed-not-conserved razin2020.c3-without-det-condition razin2020.c4-det-sign-any-init timor2022.staircase-any-init \
timor2022.thm4-bound-at-gd-interpolants timor2022.square-loss-low-rank-any-init timor2022.thm2-without-zero-loss vardi2021.thm3-construction \
vardi2021.explicit-regularizer-one-neuron vardi2021.thm8-exact vardi2021.min-norm-limit}"
minutes=${CLAIMCHECK_SLURM_TIME:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/claimcheck-test-slurm.XXXXXX")
reports=$work/reports
export CLAIMCHECK_SLURM_DIR=$work/slurm
mkdir -p "$reports" "$work/logs"

say() { echo "test:slurm: $*"; }
show_logs=1 # the job logs' tails, on a failure before the comparison
finish() {
  local rc=$?
  "$root/scripts/slurm/stop.sh"
  if [ "$rc" != 0 ]; then
    [ -n "$show_logs" ] && for f in "$work"/logs/*.out; do [ -s "$f" ] && echo "--- $f" && tail -c 1500 "$f"; done
    say "FAILED (exit $rc); reports, job logs and Slurm logs kept in $work"
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

"$root/scripts/slurm/setup.sh"
# shellcheck disable=SC1091
. "$CLAIMCHECK_SLURM_DIR/env.sh"
slurm_version=$(sinfo -V)
cpus=$(sinfo -h -N -o '%c')

t=$(now)
npm run build --silent
say "built in $(secs "$t" "$(now)") s"

# merge refuses shards from a tree with uncommitted changes unless --force
force=()
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  force=(--force)
  say "the tree has uncommitted changes: merge runs with --force"
fi

export CLAIMCHECK_REPORTS=$reports CLAIMCHECK_MERGED=$reports/merged
t=$(now)
array=$(sbatch --parsable --array=1-"$k" --time="$minutes" --output="$work/logs/shard-%a.out" --chdir="$root" \
  scripts/slurm/shards.sh "${claims[@]}" --no-cache)
array=${array%%;*}
say "submitted job array $array (shards 1-$k of ${#claims[@]} claims, 1 CPU each, $cpus CPUs on the node)"
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --time="$minutes" --output="$work/logs/merge.out" \
  --chdir="$root" scripts/slurm/merge.sh "$k" "${force[@]}")
merge=${merge%%;*}
# polled every second (sbatch --wait polls at growing intervals, up to tens of seconds)
while :; do
  merge_state=$(scontrol show job -o "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2 || true)
  case $merge_state in
    PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING) sleep 1 ;;
    *) break ;;
  esac
done
t_sharded=$(secs "$t" "$(now)")
for i in $(seq 1 "$k"); do
  [ -s "$reports/shard-$i/report.json" ] || {
    say "shard $i/$k wrote no report"
    exit 1
  }
done
[ "$merge_state" = COMPLETED ] && [ -s "$reports/merged/report.json" ] || {
  say "the merge job ended ${merge_state:-out of sight of scontrol}"
  exit 1
}
sizes=$(for i in $(seq 1 "$k"); do node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).claims.length))' \
  "$reports/shard-$i/report.json"; echo -n ' '; done)
say "array and merge done in $t_sharded s (claims per shard: ${sizes% })"

t=$(now)
rc=0
node bin/claimcheck.js run "${claims[@]}" --no-cache --threads 1 --out "$reports/unsharded" >"$work/logs/unsharded.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || {
  say "the unsharded run failed (exit $rc)"
  exit 1
}
say "unsharded run (1 thread, outside Slurm) done in $(secs "$t" "$(now)") s"

show_logs=
node scripts/slurm/compare-reports.mjs "$reports/merged/report.json" "$reports/unsharded/report.json"
say "OK: $slurm_version, $k shards, merged report equals the unsharded one; reports in $reports"
