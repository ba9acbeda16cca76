#!/usr/bin/env bash
# tests/app/cli_explain_test.sh — `cnnlab explain`: trains a tiny checkpoint on BMPs the script writes,
# then checks the overlay files, the printed prediction, bad photos and bad options.
# Usage: cli_explain_test.sh CNNLAB
set -u
cnnlab="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/runs"  # never the user's runs folder
. "$(dirname "$0")/cli_test_lib.sh"

mkdir -p "$tmp/data/blue" "$tmp/data/red sky"
for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
  bmp "$tmp/data/blue/b$i.bmp" "e$i" "2$i" "1$i"
  bmp "$tmp/data/red sky/r$i.bmp" "1$i" "2$i" "e$i"
done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 3 --batch-size 4 \
  --learning-rate 0.01 --save "$tmp/m.safetensors" > "$tmp/train.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ]' "train: $(tail -3 "$tmp/train.log")"

# 1. auto class: one overlay per photo, named STEM_gradcam_CLASS.png, the photo's size (4×4 BMPs).
"$cnnlab" explain --load "$tmp/m.safetensors" --out "$tmp/out" "$tmp/data/blue/b0.bmp" \
  "$tmp/data/red sky/r1.bmp" > "$tmp/e1.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ]' "explain exit $rc: $(cat "$tmp/e1.log")"
expect 'grep -Eq "b0.bmp: (blue|red sky) \([0-9.]+%\); Grad-CAM of (blue|red sky) \([0-9.]+%\) -> .*b0_gradcam_(blue|red_sky).png$" "$tmp/e1.log"' "explain line: $(cat "$tmp/e1.log")"
expect '[ $(ls "$tmp/out" | grep -c "^b0_gradcam_.*\.png$") -eq 1 ] && [ $(ls "$tmp/out" | grep -c "^r1_gradcam_.*\.png$") -eq 1 ]' "overlay files: $(ls "$tmp/out")"
expect 'f=$(ls "$tmp"/out/b0_gradcam_*.png); [ "$(head -c 8 "$f" | od -An -tx1 | tr -d " ")" = "89504e470d0a1a0a" ] && [ "$(head -c 24 "$f" | tail -c 8 | od -An -tx1 | tr -d " ")" = "0000000400000004" ]' "overlay is a 4x4 PNG"
expect '! ls "$tmp"/out/*.tmp* >/dev/null 2>&1' "no temp files left"

# 2. a named class (with a space: '_' in the file name), saliency.
"$cnnlab" explain --load "$tmp/m.safetensors" --class "red sky" --method saliency --out "$tmp/out" \
  "$tmp/data/blue/b2.bmp" > "$tmp/e2.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && [ -s "$tmp/out/b2_saliency_red_sky.png" ] && grep -q "saliency of red sky" "$tmp/e2.log"' "saliency --class: $(cat "$tmp/e2.log")"

# 3. a bad photo among good ones: its path and reason, exit 1, the others still written.
printf 'not an image' > "$tmp/bad.jpg"
"$cnnlab" explain --load "$tmp/m.safetensors" --out "$tmp/out3" "$tmp/bad.jpg" "$tmp/data/blue/b3.bmp" \
  "$tmp/missing.png" > "$tmp/e3.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "cnnlab: error: $tmp/bad.jpg: " "$tmp/e3.log" && grep -q "cnnlab: error: $tmp/missing.png: " "$tmp/e3.log"' "bad photos: rc $rc, $(cat "$tmp/e3.log")"
expect '[ $(ls "$tmp/out3" | grep -c "^b3_gradcam_") -eq 1 ]' "the good photo is still explained: $(ls "$tmp/out3")"

# 4. bad options: unknown class (lists the classes), method, layer; --layer with saliency.
"$cnnlab" explain --load "$tmp/m.safetensors" --class tulip --out "$tmp/o4" "$tmp/data/blue/b0.bmp" > "$tmp/e4.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "no class .tulip." "$tmp/e4.log" && grep -q "blue, red sky" "$tmp/e4.log" && [ ! -e "$tmp/o4" ]' "unknown class: $(cat "$tmp/e4.log")"
"$cnnlab" explain --load "$tmp/m.safetensors" --method lime --out "$tmp/o5" "$tmp/data/blue/b0.bmp" > "$tmp/e5.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "unknown method .lime." "$tmp/e5.log"' "unknown method: $(cat "$tmp/e5.log")"
"$cnnlab" explain --load "$tmp/m.safetensors" --layer dense --out "$tmp/o6" "$tmp/data/blue/b0.bmp" > "$tmp/e6.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "no layer .dense. with feature maps" "$tmp/e6.log" && grep -q "conv2d, max_pooling2d" "$tmp/e6.log"' "flat layer: $(cat "$tmp/e6.log")"
"$cnnlab" explain --load "$tmp/m.safetensors" --layer max_pooling2d --out "$tmp/o7" "$tmp/data/blue/b0.bmp" > "$tmp/e7.log" 2>&1; rc=$?
expect '[ $rc -eq 0 ] && ls "$tmp/o7" | grep -q "^b0_gradcam_"' "--layer max_pooling2d: $(cat "$tmp/e7.log")"
"$cnnlab" explain --load "$tmp/nope.safetensors" --out "$tmp/o8" "$tmp/data/blue/b0.bmp" > "$tmp/e8.log" 2>&1; rc=$?
expect '[ $rc -eq 1 ] && grep -q "nope.safetensors" "$tmp/e8.log"' "missing checkpoint: $(cat "$tmp/e8.log")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
