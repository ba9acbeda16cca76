#!/usr/bin/env bash
# tests/app/cli_engine_test.sh — end-to-end checks of `cnnlab summary|train|evaluate|predict` on tiny
# BMPs the test writes itself with printf, plus bad input. Usage: cli_engine_test.sh CNNLAB GOLDEN_DIR
set -u
cnnlab="$1"; golden="$2"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { if eval "$1"; then ok; else bad "$2"; fi; }

# A 4×4 24-bit BMP of one colour (B G R bytes), written with printf: 54-byte header + 4 rows × 12 bytes.
bmp() {
  local path="$1" b="$2" g="$3" r="$4"
  {
    printf 'BM'; printf '\x66\x00\x00\x00'; printf '\x00\x00\x00\x00'; printf '\x36\x00\x00\x00'
    printf '\x28\x00\x00\x00'; printf '\x04\x00\x00\x00'; printf '\x04\x00\x00\x00'
    printf '\x01\x00\x18\x00'; printf '\x00\x00\x00\x00'; printf '\x30\x00\x00\x00'
    printf '\x13\x0b\x00\x00\x13\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do printf "\\x$b\\x$g\\x$r"; done
  } > "$path"
}

# 1. summary: the course model's table, byte for byte as Keras prints it.
"$cnnlab" summary > "$tmp/summary.txt"
expect 'cmp -s "$tmp/summary.txt" "$golden/summary_course.txt"' "summary differs from the course's table: $(diff "$tmp/summary.txt" "$golden/summary_course.txt" | head -5)"
"$cnnlab" summary --image-size 64 > "$tmp/s64.txt"
expect 'grep -q "(None, 16384)" "$tmp/s64.txt" && grep -q "16385000" "$tmp/s64.txt"' "64x64 summary arithmetic"

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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
