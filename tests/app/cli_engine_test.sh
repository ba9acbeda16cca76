#!/usr/bin/env bash
# tests/app/cli_engine_test.sh — end-to-end checks of `cnnlab summary|train|evaluate|predict` on tiny
# BMPs the test writes itself with printf, plus bad input, destinations, signals and option checks.
# Usage: cli_engine_test.sh CNNLAB GOLDEN_DIR
set -u
cnnlab="$1"; golden="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/runs"  # `cnnlab train` records its runs there, not in ~/.local/share
. "$(dirname "$0")/cli_test_lib.sh"


# 1. summary: the course model's table, byte for byte as Keras prints it.
"$cnnlab" summary > "$tmp/summary.txt"
expect 'cmp -s "$tmp/summary.txt" "$golden/summary_course.txt"' "summary differs from the course's table: $(diff "$tmp/summary.txt" "$golden/summary_course.txt" | head -5)"
"$cnnlab" summary --image-size 64 > "$tmp/s64.txt"
expect 'grep -q "(None, 16384)" "$tmp/s64.txt" && grep -q "16385000" "$tmp/s64.txt"' "64x64 summary arithmetic"
# Models are files: a preset brings its image size; a path works; a bad file names its line.
for m in compact course-regularised; do
  "$cnnlab" summary --model "$m" > "$tmp/s_$m.txt"
  expect 'cmp -s "$tmp/s_$m.txt" "$golden/summary_$m.txt"' "summary --model $m differs from its golden table"
done
"$cnnlab" summary --model "$golden/../../../models/small.toml" > "$tmp/s_path.txt"
expect 'cmp -s "$tmp/s_path.txt" "$golden/summary_small.txt"' "summary --model PATH differs from the preset's"
printf 'image_size = 16\n[[layer]]\ntype = "Conv3D"\n' > "$tmp/bad_model.toml"
"$cnnlab" summary --model "$tmp/bad_model.toml" 2> "$tmp/bad_model.err" && bad "a bad model file was accepted"
expect 'grep -q "bad_model.toml:3: unknown layer type \"Conv3D\"" "$tmp/bad_model.err"' "bad model file error: $(cat "$tmp/bad_model.err")"

# 2. a dataset: two classes of flat colours with slight variations.
mkdir -p "$tmp/data/blue" "$tmp/data/red"
for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
  bmp "$tmp/data/blue/b$i.bmp" "e$i" "2$i" "1$i"
  bmp "$tmp/data/red/r$i.bmp" "1$i" "2$i" "e$i"
done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 3 --batch-size 4 \
  --learning-rate 0.01 --history "$tmp/h.csv" --save "$tmp/m.safetensors" > "$tmp/train.log" 2>&1
rc=$?
expect '[ $rc -eq 0 ]' "train exit code $rc: $(tail -5 "$tmp/train.log")"
expect 'grep -q "^Epoch 3/3$" "$tmp/train.log"' "epoch header lines"
expect 'grep -Eq "^22/22 \[=+\] - [0-9]+s [0-9]+(ms|us)/sample - loss: [0-9.]+ - accuracy: [0-9.]+ - val_loss: [0-9.]+ - val_accuracy: [0-9.]+$" "$tmp/train.log"' "Keras epoch line: $(grep -m1 '^22/22' "$tmp/train.log")"
expect 'grep -Eq "^Test-loss: [0-9.]+, Test-accuracy: [0-9.]+$" "$tmp/train.log"' "test line"
expect '[ "$(head -1 "$tmp/h.csv")" = "epoch,accuracy,loss,val_accuracy,val_loss" ] && [ $(wc -l < "$tmp/h.csv") -eq 4 ]' "history CSV header and rows"
expect '[ -s "$tmp/m.safetensors" ] && ! ls "$tmp"/m.safetensors.tmp* >/dev/null 2>&1' "checkpoint written atomically"
expect 'head -c 65536 "$tmp/m.safetensors" | grep -aq "\"cnnlab.history\":\"{\\\\\"epoch\\\\\":\[0,1,2\]" && head -c 65536 "$tmp/m.safetensors" | grep -aq "cnnlab.test_eval"' "checkpoint carries its history and test evaluation"

# A model file's [fit] batch_size is the run's unless --batch-size is given.
{ cat "$golden/../../../models/tiny.toml"; printf '\n[fit]\nepochs = 1\nbatch_size = 4\n'; } > "$tmp/fitb.toml"
"$cnnlab" train --data "$tmp/data" --model "$tmp/fitb.toml" --image-size 8 --runs "$tmp/fitb_runs" > "$tmp/fitb.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -qx "Batch size 4 (the model file'"'"'s \[fit\] batch_size)" "$tmp/fitb.log" && grep -q "\"batch_size\": 4," "$tmp"/fitb_runs/*/run.json' "[fit] batch_size adopted: rc $rc, $(grep -i batch "$tmp/fitb.log"; cat "$tmp"/fitb_runs/*/run.json | head -c 300)"
"$cnnlab" train --data "$tmp/data" --model "$tmp/fitb.toml" --image-size 8 --batch-size 8 --runs "$tmp/fitb8_runs" > "$tmp/fitb8.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && ! grep -q "^Batch size" "$tmp/fitb8.log" && grep -q "\"batch_size\": 8," "$tmp"/fitb8_runs/*/run.json' "--batch-size wins over [fit]: rc $rc, $(cat "$tmp"/fitb8_runs/*/run.json | head -c 300)"

# 3. evaluate and predict with the checkpoint.
"$cnnlab" evaluate --load "$tmp/m.safetensors" --data "$tmp/data" --batch-size 4 > "$tmp/eval.log" 2>&1
expect '[ $? -eq 0 ] && grep -q "Test-accuracy" "$tmp/eval.log" && grep -q "Confusion matrix" "$tmp/eval.log"' "evaluate: $(tail -3 "$tmp/eval.log")"
"$cnnlab" predict --load "$tmp/m.safetensors" "$tmp/data/red/r0.bmp" > "$tmp/pred.log" 2>&1
expect '[ $? -eq 0 ] && grep -Eq "r0.bmp: (red|blue) \([0-9.]+%\)" "$tmp/pred.log"' "predict: $(cat "$tmp/pred.log")"

# 4. bad input: a clear message naming the path, exit 1, no crash.
"$cnnlab" train --data "$tmp/nope" --model tiny --epochs 1 > "$tmp/e1.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "$tmp/nope" "$tmp/e1.log"' "missing folder: rc $rc, $(cat "$tmp/e1.log")"
mkdir -p "$tmp/flat"; bmp "$tmp/flat/x.bmp" 00 00 00
"$cnnlab" train --data "$tmp/flat" --model tiny --epochs 1 > "$tmp/e2.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "$tmp/flat" "$tmp/e2.log"' "folder without class subfolders: rc $rc, $(cat "$tmp/e2.log")"
"$cnnlab" train --data "$tmp/data" --batch-size 0 > "$tmp/e3.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q -- "--batch-size" "$tmp/e3.log"' "impossible setting: rc $rc, $(cat "$tmp/e3.log")"
printf 'not a checkpoint' > "$tmp/junk.safetensors"
"$cnnlab" predict --load "$tmp/junk.safetensors" "$tmp/data/red/r0.bmp" > "$tmp/e4.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "junk.safetensors" "$tmp/e4.log"' "corrupt checkpoint: rc $rc, $(cat "$tmp/e4.log")"
printf 'garbage' > "$tmp/data/red/zz_corrupt.jpg"
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 4 > "$tmp/e5.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -q "zz_corrupt.jpg" "$tmp/e5.log" && grep -q "Skipped 1 file" "$tmp/e5.log"' "corrupt image skipped and listed: rc $rc, $(head -3 "$tmp/e5.log")"

# Runs `${wrap[@]} cnnlab ARGS...` in the background with the CLI's test pause after batch AFTER (see TestPause
# in src/app/cli_engine.cpp): once it has paused, runs ACTION in this shell, lets the run go on and
# waits for it. Output in $tmp/run.log, exit status in $rc. The timeouts only guard against a hang.
wrap=()
paused_run() {
  local after="$1" action="$2"; shift 2
  local fifo="$tmp/pause.fifo"; rm -f "$fifo"; mkfifo "$fifo"
  # set -m: a background job of a script would otherwise start with SIGINT ignored.
  set -m
  CNNLAB_TEST_PAUSE_FIFO="$fifo" CNNLAB_TEST_PAUSE_AFTER_BATCH="$after" "${wrap[@]}" "$cnnlab" "$@" > "$tmp/run.log" 2>&1 &
  pid=$!
  set +m
  if timeout 120 bash -c 'read -r line < "$1" && [ "$line" = paused ]' _ "$fifo"; then
    eval "$action"
    timeout 120 bash -c ': > "$1"' _ "$fifo" || bad "the run did not resume"
  else
    bad "the run never paused: $(tail -3 "$tmp/run.log")"; kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"; rc=$?
}

# 5. a preset brings its own image size (small 64, tiny 32) unless --image-size is given.
rm -f "$tmp/data/red/zz_corrupt.jpg"
"$cnnlab" train --data "$tmp/data" --model small --epochs 1 --batch-size 8 > "$tmp/p1.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -q "resized to 64x64" "$tmp/p1.log" && grep -q "(None, 64, 64, 8)" "$tmp/p1.log"' "small preset at 64x64: rc $rc, $(grep -m1 resized "$tmp/p1.log")"
"$cnnlab" train --data "$tmp/data" --model tiny --epochs 1 --batch-size 8 > "$tmp/p2.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -q "resized to 32x32" "$tmp/p2.log"' "tiny preset at 32x32: rc $rc, $(grep -m1 resized "$tmp/p2.log")"
"$cnnlab" train --data "$tmp/data" --model small --image-size 16 --epochs 1 --batch-size 8 > "$tmp/p3.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -q "resized to 16x16" "$tmp/p3.log"' "--image-size overrides the preset's: rc $rc"

# 6. option checks name the option and say why.
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --validation-split 0.99 > "$tmp/o1.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q -- "--validation-split: 0.99 leaves no training images: it takes all 25 image(s) left after the test split for validation" "$tmp/o1.log" && ! grep -q -- "--test-size" "$tmp/o1.log"' "validation split message: rc $rc, $(cat "$tmp/o1.log" | tail -2)"
for seed in -1 4294967296 18446744073709551616 12abc; do
  "$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --seed "$seed" > "$tmp/o2.log" 2>&1; rc=$?
  expect '[ $rc -ne 0 ] && grep -q -- "--seed: must be a whole number from 0 to 4294967295" "$tmp/o2.log" && ! grep -q "^Epoch" "$tmp/o2.log"' "--seed $seed not refused: rc $rc, $(head -2 "$tmp/o2.log")"
done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 8 --seed 4294967295 > "$tmp/o3.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && grep -q "^Split (seed 4294967295)" "$tmp/o3.log"' "the largest seed: rc $rc"
if "$cnnlab" --help 2>/dev/null | grep -q "^  screenshot"; then
  "$cnnlab" screenshot --dir "$tmp/no_lessons" --out "$tmp/shot.png" > "$tmp/o4.log" 2>&1; rc=$?
  expect '[ $rc -eq 1 ] && grep -q "$tmp/no_lessons" "$tmp/o4.log" && [ ! -e "$tmp/shot.png" ]' "screenshot --dir missing: rc $rc, $(cat "$tmp/o4.log")"
fi

# 7. destinations are checked before any image is loaded; a device is never replaced.
train8=(train --data "$tmp/data" --model tiny --image-size 8 --epochs 3 --batch-size 4 --threads 1)
"$cnnlab" "${train8[@]}" --save "$tmp/no_dir/m.safetensors" > "$tmp/d1.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "$tmp/no_dir/m.safetensors: the folder $tmp/no_dir does not exist" "$tmp/d1.log" && ! grep -q "^Found" "$tmp/d1.log"' "--save into a missing folder: rc $rc, $(cat "$tmp/d1.log")"
"$cnnlab" "${train8[@]}" --history "$tmp/no_dir/h.csv" > "$tmp/d2.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "$tmp/no_dir/h.csv" "$tmp/d2.log" && ! grep -q "^Epoch" "$tmp/d2.log"' "--history into a missing folder: rc $rc, $(cat "$tmp/d2.log")"
ln -s /dev/full "$tmp/full.csv"
"$cnnlab" "${train8[@]}" --history "$tmp/full.csv" > "$tmp/d3.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "is a device" "$tmp/d3.log" && [ -L "$tmp/full.csv" ] && [ -c /dev/full ]' "--history to a device: rc $rc, $(cat "$tmp/d3.log")"

# 8. the history folder vanishes mid-run (removed while the run is paused after batch 7, in epoch 2):
# a warning, training goes on, the checkpoint is still written, exit status 1 for the lost history.
mkdir -p "$tmp/hist"
paused_run 7 'rm -rf "$tmp/hist"' "${train8[@]}" --history "$tmp/hist/h.csv" --save "$tmp/m3.safetensors"
expect '[ $rc -eq 1 ] && grep -q "^Epoch 3/3$" "$tmp/run.log" && grep -q "cnnlab: warning: $tmp/hist/h.csv" "$tmp/run.log" && grep -q "cnnlab: error: history not written" "$tmp/run.log"' "unwritable history mid-run: rc $rc, $(grep -E 'warning|error|Epoch' "$tmp/run.log")"
expect 'grep -q "Checkpoint written to $tmp/m3.safetensors (3 epoch(s) trained)" "$tmp/run.log" && "$cnnlab" predict --load "$tmp/m3.safetensors" "$tmp/data/red/r0.bmp" > /dev/null 2>&1' "checkpoint after a history failure: $(tail -3 "$tmp/run.log")"

# The run's whole folder vanishes: the checkpoint goes to a rescue file in $TMPDIR, exit status 1.
mkdir -p "$tmp/gone" "$tmp/rescue"
TMPDIR="$tmp/rescue" paused_run 7 'rm -rf "$tmp/gone"' "${train8[@]}" --history "$tmp/gone/h.csv" --save "$tmp/gone/m.safetensors"
rescued=$(ls "$tmp/rescue" | grep -E '^cnnlab-rescue-[0-9]+\.safetensors$')
expect '[ $rc -eq 1 ] && grep -q "cnnlab: error: checkpoint not written: $tmp/gone/m.safetensors" "$tmp/run.log" && grep -q "Checkpoint rescued to $tmp/rescue/$rescued (3 epoch(s) trained)" "$tmp/run.log" && "$cnnlab" predict --load "$tmp/rescue/$rescued" "$tmp/data/red/r0.bmp" > /dev/null 2>&1' "rescue checkpoint: rc $rc, $(tail -4 "$tmp/run.log"), rescue folder: $(ls "$tmp/rescue")"

# 9. SIGTERM and SIGHUP (sent while paused after batch 2) stop like Ctrl-C: checkpoint, history, status 130.
for sig in INT TERM HUP; do
  rm -f "$tmp/s.safetensors" "$tmp/s.csv"
  paused_run 2 'kill -$sig $pid' "${train8[@]}" --history "$tmp/s.csv" --save "$tmp/s.safetensors"
  expect '[ $rc -eq 130 ] && grep -q "^$([ $sig = INT ] && echo "Stopping" || echo "SIG$sig: stopping") after the current batch" "$tmp/run.log" && grep -q "^Stopped by the user during epoch 1 after batch 2/6.$" "$tmp/run.log"' "SIG$sig: rc $rc, $(tail -4 "$tmp/run.log")"
  expect 'grep -q "Checkpoint written to $tmp/s.safetensors (0 epoch(s) trained)" "$tmp/run.log" && [ -s "$tmp/s.safetensors" ] && [ "$(cat "$tmp/s.csv")" = "epoch,accuracy,loss,val_accuracy,val_loss" ]' "SIG$sig: checkpoint and history: $(tail -3 "$tmp/run.log")"
done

# Under nohup SIGHUP stays ignored: the run goes on to the end.
wrap=(nohup)
paused_run 2 'kill -HUP $pid' "${train8[@]}" --save "$tmp/n.safetensors"
wrap=()
expect '[ $rc -eq 0 ] && grep -q "Checkpoint written to $tmp/n.safetensors (3 epoch(s) trained)" "$tmp/run.log" && ! grep -q "SIGHUP" "$tmp/run.log"' "nohup: rc $rc, $(tail -3 "$tmp/run.log")"

# 10. a save removes the temp file a killed save left (its pid is gone), and only that one.
dead=$(bash -c 'echo $$')
printf 'partial' > "$tmp/s.safetensors.tmp.$dead"; printf 'partial' > "$tmp/s.safetensors.tmp.1"
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 4 --save "$tmp/s.safetensors" > "$tmp/t1.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && [ ! -e "$tmp/s.safetensors.tmp.$dead" ] && [ -e "$tmp/s.safetensors.tmp.1" ]' "stale temp cleanup: rc $rc, $(ls "$tmp" | grep tmp)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
