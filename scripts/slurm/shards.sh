#!/usr/bin/env bash
#SBATCH --job-name=claimcheck-shard
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
# One shard of a claimcheck run, as one task of a Slurm job array:
#   sbatch --array=1-K [--cpus-per-task=C] scripts/slurm/shards.sh [claims and run options, no --threads]
# Task i runs `claimcheck run … --shard i/K --threads C` into $CLAIMCHECK_REPORTS/shard-i (default
# reports/shard-i), from the submission directory (a checkout on a filesystem every node sees, built once).
# Exit 1 of `run` (a verdict disagrees with the paper) is a result, written in the report, not a failed
# task: the task exits 0 so that the merge job (scripts/slurm/merge.sh, --dependency=afterok) runs.
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run as a job array: sbatch --array=1-K scripts/slurm/shards.sh …}"
i=$SLURM_ARRAY_TASK_ID
k=$SLURM_ARRAY_TASK_COUNT
if [ "$SLURM_ARRAY_TASK_MIN" != 1 ] || [ "$SLURM_ARRAY_TASK_MAX" != "$k" ]; then
  echo "shards.sh: the array must be 1-K (got $SLURM_ARRAY_TASK_MIN-$SLURM_ARRAY_TASK_MAX with $k tasks)" >&2
  exit 2
fi
cd "${CLAIMCHECK_ROOT:-$SLURM_SUBMIT_DIR}"
reports=${CLAIMCHECK_REPORTS:-reports}
rc=0
node bin/claimcheck.js run "$@" --shard "$i/$k" --threads "${SLURM_CPUS_PER_TASK:-1}" --out "$reports/shard-$i" || rc=$?
if [ "$rc" = 1 ]; then
  echo "shard $i/$k: some verdicts disagree with the papers' assertions (see its report)"
  exit 0
fi
exit "$rc"
