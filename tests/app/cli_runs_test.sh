#!/usr/bin/env bash
# tests/app/cli_runs_test.sh — `cnnlab runs` on a runs folder written by hand (the table byte for
# byte against a golden file, --csv, --model, a damaged folder's warning, no runs yet), then
# `cnnlab train --seeds 3` on tiny BMPs: three run folders in one group, and the mean ± std line
# checked against the per-seed test accuracies by hand (awk).
# Usage: cli_runs_test.sh CNNLAB GOLDEN_FILE
set -u
cnnlab="$1"; golden="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/default_runs"
. "$(dirname "$0")/cli_test_lib.sh"

# fake_run NAME MODEL PARAMS EPOCHS_PLANNED SEED TEST_ACC(or null) STOP GROUP GROUP_SIZE SECONDS HISTORY_ROWS...
fake_run() {
  local dir="$tmp/runs/$1"; mkdir -p "$dir"
  printf '{"model": "%s", "params": %s, "settings": {"epochs": %s}, "seed": %s, "test_accuracy": %s,
 "stop_reason": "%s", "group": "%s", "group_size": %s, "seconds_per_epoch": %s,
 "started": "%s"}\n' "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "$(echo "$1" | sed -E 's/^(....-..-..T..)-(..)-(..).*/\1:\2:\3Z/')" > "$dir/run.json"
  shift 10
  { echo "epoch,accuracy,loss,val_accuracy,val_loss"; for row in "$@"; do echo "$row"; done; } > "$dir/history.csv"
}
fake_run 2026-11-30T09-00-00_tiny_seed1 tiny 242 2 1 0.5 completed "" 0 0.25 \
  "0,0.5,0.69,0.5,0.70" "1,0.75,0.5,0.625,0.6"
fake_run 2026-11-30T10-00-00_compact_seed42 compact 1234567 10 42 null stopped "" 0 12.5 \
  "0,0.4,1.5,0.45,1.4" "1,0.5,1.2,0.55,1.1" "2,0.6,1.0,0.52,1.0"
g=2026-11-30T11-00-00_small_seeds7-9
fake_run 2026-11-30T11-00-00_small_seed7 small 65794 2 7 0.7 completed $g 3 1.5 "0,0.6,0.9,0.6,0.9" "1,0.7,0.8,0.8,0.7"
fake_run 2026-11-30T11-00-05_small_seed8 small 65794 2 8 0.8 completed $g 3 1.5 "0,0.6,0.9,0.9,0.9" "1,0.7,0.8,0.7,0.7"
fake_run 2026-11-30T11-00-09_small_seed9 small 65794 2 9 0.9 completed $g 3 1.5 "0,0.6,0.9,0.5,0.9" "1,0.7,0.8,0.6,0.7"
mkdir -p "$tmp/runs/2026-11-30T12-00-00_tiny_seed5"; echo '{"model": ' > "$tmp/runs/2026-11-30T12-00-00_tiny_seed5/run.json"

# 1. the table, byte for byte (the folder's path replaced by RUNS).
"$cnnlab" runs --runs "$tmp/runs" > "$tmp/table.txt" 2> "$tmp/table.err"; rc=$?
sed -i "s|$tmp/runs|RUNS|" "$tmp/table.txt"
expect '[ $rc -eq 0 ] && cmp -s "$tmp/table.txt" "$golden"' "runs table differs from golden (rc $rc): $(diff "$tmp/table.txt" "$golden")"
expect 'grep -q "warning: $tmp/runs/2026-11-30T12-00-00_tiny_seed5: skipped: .*run.json: not JSON" "$tmp/table.err"' "damaged folder warning: $(cat "$tmp/table.err")"
# 2. --csv and --model.
"$cnnlab" runs --runs "$tmp/runs" --csv > "$tmp/runs.csv" 2>/dev/null
expect '[ $(wc -l < "$tmp/runs.csv") -eq 6 ] && grep -qx "2026-11-30T10-00-00_compact_seed42,compact,1234567,3,10,0.55,2,,12.5,42,,2026-11-30T10:00:00Z,stopped" "$tmp/runs.csv"' "csv: $(cat "$tmp/runs.csv")"
"$cnnlab" runs --runs "$tmp/runs" --model small 2>/dev/null > "$tmp/small.txt"
expect 'grep -q "small over 3 seeds: test acc 0.8000 ± 0.1000 (mean ± sample std, n=3)" "$tmp/small.txt" && ! grep -q compact "$tmp/small.txt"' "--model small: $(cat "$tmp/small.txt")"
# 3. no runs yet (the default folder: $CNNLAB_RUNS).
"$cnnlab" runs > "$tmp/none.txt" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -qx "no runs yet in $tmp/default_runs; \`cnnlab train\` records one there" "$tmp/none.txt"' "no runs: $(cat "$tmp/none.txt")"

# 4. train --seeds 3 on tiny BMPs that the tiny model cannot separate perfectly in one epoch.
mkdir -p "$tmp/data/blue" "$tmp/data/red"
for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
  bmp "$tmp/data/blue/b$i.bmp" "8$i" "7$i" "6$i"
  bmp "$tmp/data/red/r$i.bmp" "6$i" "7$i" "8$i"
done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 4 \
  --learning-rate 0.003 --seed 5 --seeds 3 --history "$tmp/h.csv" > "$tmp/train.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ]' "train --seeds exit code $rc: $(tail -5 "$tmp/train.log")"
expect '[ $(ls -d "$tmp"/default_runs/*_tiny_seed[567] | wc -l) -eq 3 ]' "three run folders: $(ls "$tmp/default_runs")"
expect '[ -s "$tmp/h_seed5.csv" ] && [ -s "$tmp/h_seed7.csv" ] && [ ! -e "$tmp/h.csv" ]' "--history per seed: $(ls "$tmp")"
expect 'grep -q "\"group\": \"[0-9T-]*_tiny_seeds5-7\"" "$tmp"/default_runs/*_tiny_seed6/run.json' "group id in run.json"
expect '[ $(grep -c "^Split (seed [567])" "$tmp/train.log") -eq 3 ]' "each seed makes its own split"
want=$(grep -o "Test-accuracy: [0-9.]*" "$tmp/train.log" | awk '{a[NR]=$2; s+=$2} END {m=s/NR; for(i=1;i<=NR;i++) v+=(a[i]-m)^2; sd=sqrt(v/(NR-1)); mn=a[1]; mx=a[1]; for(i=1;i<=NR;i++){if(a[i]<mn)mn=a[i]; if(a[i]>mx)mx=a[i]}; printf "test accuracy over %d seeds: %.4f ± %.4f (mean ± sample std), min %.4f, max %.4f", NR, m, sd, mn, mx}')
expect 'grep -qxF "$want" "$tmp/train.log"' "seeds line: want '$want', got '$(grep "over 3 seeds" "$tmp/train.log")'"
"$cnnlab" runs > "$tmp/after.txt" 2>&1
expect 'grep -q "^  tiny over 3 seeds: test acc" "$tmp/after.txt" && [ $(grep -c "^    tiny " "$tmp/after.txt") -eq 3 ]' "runs after --seeds: $(cat "$tmp/after.txt")"
# --no-runs records nothing; a bad --seeds is refused.
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 4 --no-runs --runs "$tmp/nr" > /dev/null 2>&1
expect '[ ! -e "$tmp/nr" ]' "--no-runs wrote a runs folder"
"$cnnlab" train --data "$tmp/data" --model tiny --seeds 0 > "$tmp/bad.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q -- "--seeds: must be between 1 and 1000" "$tmp/bad.log"' "--seeds 0: rc $rc, $(cat "$tmp/bad.log")"

# 5. Ctrl-C mid-run (the CLI's test pause after batch 2, see TestPause in cli_engine.cpp): the run
# still gets its folder, marked stopped, without a test accuracy.
fifo="$tmp/pause.fifo"; mkfifo "$fifo"
set -m
CNNLAB_TEST_PAUSE_FIFO="$fifo" CNNLAB_TEST_PAUSE_AFTER_BATCH=2 "$cnnlab" train --data "$tmp/data" \
  --model tiny --image-size 8 --epochs 2 --batch-size 4 --runs "$tmp/stopped" > "$tmp/stop.log" 2>&1 &
pid=$!
set +m
if timeout 120 bash -c 'read -r line < "$1" && [ "$line" = paused ]' _ "$fifo"; then
  kill -INT "$pid"
  timeout 120 bash -c ': > "$1"' _ "$fifo" || bad "the run did not resume"
else
  bad "the run never paused"; kill -9 "$pid" 2>/dev/null
fi
wait "$pid"; rc=$?
expect '[ $rc -eq 130 ] && grep -q "\"stop_reason\": \"stopped\"" "$tmp"/stopped/*_tiny_seed42/run.json && grep -q "\"test_accuracy\": null" "$tmp"/stopped/*_tiny_seed42/run.json' "stopped run: rc $rc, $(ls "$tmp/stopped" 2>&1), $(tail -3 "$tmp/stop.log")"
expect '! ls -d "$tmp"/stopped/*.tmp.* >/dev/null 2>&1' "a temp run folder was left behind"

echo "cli_runs: $pass passed, $fail failed"
[ $fail -eq 0 ]
