#!/usr/bin/env bash
# tests/app/cli_timelapse_test.sh — the time-lapse from the command line: a 2-epoch `train --save`
# holds 3 frames (epochs 0, 1, 2); `cnnlab timelapse` writes epoch_000..002.png and a GIF89a; a
# checkpoint without a record, or with a broken one, is refused with the file's name and exit 1.
# Usage: cli_timelapse_test.sh CNNLAB
set -u
cnnlab="$1"
tmp="$(mktemp -d)"; trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/runs"  # never the user's runs folder
. "$(dirname "$0")/cli_test_lib.sh"
refused() { local rc=$? log="$1" pat="$2" what="$3"
  expect '[ $rc -eq 1 ] && grep -q "^cnnlab: error:" "$log" && grep -q -- "$pat" "$log"' "$what: rc $rc, $(head -c 400 "$log")"; }

mkdir -p "$tmp/data/blue" "$tmp/data/red"
for i in 0 1 2 3 4 5 6 7; do bmp "$tmp/data/blue/b$i.bmp" "e$i" "2$i" "1$i"; bmp "$tmp/data/red/r$i.bmp" "1$i" "2$i" "e$i"; done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 2 --batch-size 4 --test-size 0.25 \
  --save "$tmp/m.safetensors" > "$tmp/train.log" 2>&1
expect '[ $? -eq 0 ] && grep -q "cnnlab.timelapse" "$tmp/m.safetensors"' "train --save records a time-lapse: $(tail -3 "$tmp/train.log")"

"$cnnlab" timelapse --load "$tmp/m.safetensors" --out "$tmp/out" --gif "$tmp/t.gif" > "$tmp/tl.log" 2>&1
expect '[ $? -eq 0 ] && grep -q "^Wrote 3 PNG(s)" "$tmp/tl.log" && grep -q "t.gif: 3 frames" "$tmp/tl.log"' "timelapse: $(cat "$tmp/tl.log")"
expect '[ "$(ls "$tmp/out" | tr "\n" " ")" = "epoch_000.png epoch_001.png epoch_002.png " ]' "one PNG per epoch: $(ls "$tmp/out")"
expect '[ "$(head -c 6 "$tmp/t.gif")" = "GIF89a" ]' "the GIF's signature"
expect '[ "$(head -c 4 "$tmp/out/epoch_001.png" | tail -c 3)" = "PNG" ]' "the PNG's signature"

# A broken record (same length: the header stays valid JSON): refused, naming the file.
perl -0777 -pe 's/"cnnlab.timelapse":"Q05UTA/"cnnlab.timelapse":"QUJDRA/' < "$tmp/m.safetensors" > "$tmp/bad.safetensors"
expect '! cmp -s "$tmp/m.safetensors" "$tmp/bad.safetensors"' "the edit changed the file"
"$cnnlab" timelapse --load "$tmp/bad.safetensors" --out "$tmp/out2" > "$tmp/bad.log" 2>&1
refused "$tmp/bad.log" "bad.safetensors: its time-lapse (cnnlab.timelapse) is malformed: not a cnnlab time-lapse" "broken record"
# Without a record (the key renamed): refused with a hint.
perl -0777 -pe 's/"cnnlab.timelapse"/"cnnlab.timelapsX"/' < "$tmp/m.safetensors" > "$tmp/none.safetensors"
"$cnnlab" timelapse --load "$tmp/none.safetensors" --out "$tmp/out3" > "$tmp/none.log" 2>&1
refused "$tmp/none.log" "none.safetensors: holds no time-lapse" "no record"
# The weights-only readers ignore the record.
"$cnnlab" predict --load "$tmp/m.safetensors" "$tmp/data/red/r0.bmp" > "$tmp/pr.log" 2>&1
expect '[ $? -eq 0 ]' "predict on a checkpoint with a time-lapse: $(tail -2 "$tmp/pr.log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
