#!/usr/bin/env bash
#SBATCH --job-name=claimcheck-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=00:15:00
# The merge job after a job array of scripts/slurm/shards.sh:
#   sbatch --dependency=afterok:<array job id> scripts/slurm/merge.sh K [merge options, e.g. --force]
# merges exactly $CLAIMCHECK_REPORTS/shard-1 … shard-K (a missing shard is an error, not a smaller
# report) into $CLAIMCHECK_MERGED (default $CLAIMCHECK_REPORTS/latest). As in shards.sh, exit 1 of
# `merge` (a verdict disagrees with the paper) is a result, not a failed job.
set -euo pipefail
k=${1:?usage: merge.sh K [merge options]}
shift
cd "${CLAIMCHECK_ROOT:-${SLURM_SUBMIT_DIR:-.}}"
reports=${CLAIMCHECK_REPORTS:-reports}
parts=()
for i in $(seq 1 "$k"); do
  f=$reports/shard-$i/report.json
  [ -s "$f" ] || {
    echo "merge.sh: shard $i/$k wrote no $f" >&2
    exit 2
  }
  parts+=("$f")
done
rc=0
node bin/claimcheck.js merge "${parts[@]}" --out "${CLAIMCHECK_MERGED:-$reports/latest}" "$@" || rc=$?
if [ "$rc" = 1 ]; then
  echo "merge: some verdicts disagree with the papers' assertions (see the report)"
  exit 0
fi
exit "$rc"
