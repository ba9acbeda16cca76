#!/usr/bin/env bash
# tests/app/export_pytorch_test.sh — `cnnlab export --pytorch` and `cnnlab import --pytorch`.
#   errors MODE: refusals with a message naming the file (no Python needed).
#   torch MODE: three checkpoints (tiny and small trained here, and a hand-made one with strides,
#   an even kernel and valid padding) exported, run in PyTorch on four images (logits within 1e-4 of
#   ours), saved by model.py's save_state and imported back (then bit-identical to the original).
# Usage: export_pytorch_test.sh errors|torch CNNLAB [PYTHON]    (exit 77: PYTHON has no torch)
set -u
mode="$1"; cnnlab="$2"; py="${3:-/usr/bin/python3}"
if [ "$mode" = torch ] && ! "$py" -c 'import torch, numpy' >/dev/null 2>&1; then
  echo "SKIP: $py cannot import torch and numpy (Debian: apt install python3-torch)"; exit 77
fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/runs"  # `cnnlab train` records its runs there, not in ~/.local/share
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { if eval "$1"; then ok; else bad "$2"; fi; }

# A 16×16 24-bit BMP with a pattern that varies over x, y and channel (the flatten order shows):
# 54-byte header, 16 rows of 48 bytes. SEED shifts the pattern, BASE the brightness.
bmp16() {
  local s="$2" base="$3" x y c v e px=""
  for ((y = 0; y < 16; y++)); do for ((x = 0; x < 16; x++)); do for c in 0 1 2; do
    v=$(( (base + s * 37 + x * 13 * (c + 1) + y * 29 + c * 71 + x * y * 3) % 256 ))
    printf -v e '\\x%02x' "$v"; px+="$e"
  done; done; done
  {
    printf 'BM\x36\x03\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00'
    printf '\x28\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x18\x00\x00\x00\x00\x00\x00\x03\x00\x00'
    printf '\x13\x0b\x00\x00\x13\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf "$px"
  } > "$1"
}

if [ "$mode" = errors ]; then
  mkdir -p "$tmp/data/dark" "$tmp/data/light"
  for i in 0 1 2 3 4 5 6 7; do bmp16 "$tmp/data/dark/d$i.bmp" "$i" 0; bmp16 "$tmp/data/light/l$i.bmp" "$i" 128; done
  "$cnnlab" train --data "$tmp/data" --model tiny --image-size 16 --epochs 1 --batch-size 4 \
    --save "$tmp/tiny.safetensors" > "$tmp/train.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "train tiny: $(tail -3 "$tmp/train.log")"
  run() { "$cnnlab" "$@" > "$tmp/out.log" 2>&1; rc=$?; }
  run export --pytorch "$tmp/x" --load "$tmp/missing.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "missing.safetensors" "$tmp/out.log"' "export of a missing checkpoint: rc $rc, $(cat "$tmp/out.log")"
  touch "$tmp/afile"
  run export --pytorch "$tmp/afile" --load "$tmp/tiny.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "afile: exists and is not a folder" "$tmp/out.log"' "export into a file: rc $rc, $(cat "$tmp/out.log")"
  run export --pytorch "$tmp/x" --load "$tmp/tiny.safetensors"
  expect '[ $rc -eq 0 ] && [ -s "$tmp/x/model.py" ] && [ -s "$tmp/x/weights.safetensors" ]' "export: rc $rc, $(cat "$tmp/out.log")"
  expect 'grep -q "^        nn.Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)),  # 0: conv2d: (16, 16, 4)$" "$tmp/x/model.py"' "model.py's first module: $(grep -m1 nn.Conv2d "$tmp/x/model.py")"
  expect 'grep -q "^    (4, \"dense\", \"dense\", (8, 8, 4)),$" "$tmp/x/model.py"' "model.py's dense row: $(grep -m1 '"dense"' "$tmp/x/model.py")"
  run import --pytorch "$tmp/tiny.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/back.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "tiny.safetensors: no tensor .0.weight." "$tmp/out.log" && [ ! -e "$tmp/back.safetensors" ]' "import of a lab checkpoint as a state_dict: rc $rc, $(cat "$tmp/out.log")"
  # A state_dict whose 0.weight has the wrong shape: header {"0.weight": F32 (1,), 4 bytes}.
  hdr='{"0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
  while [ $(( ${#hdr} % 8 )) -ne 0 ]; do hdr="$hdr "; done
  { printf "\\x$(printf %02x ${#hdr})\\x00\\x00\\x00\\x00\\x00\\x00\\x00"; printf '%s' "$hdr"; printf '\x00\x00\x80\x3f'; } > "$tmp/wrong.safetensors"
  run import --pytorch "$tmp/wrong.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/back.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "wrong.safetensors: tensor .0.weight. is (1,), nn.Conv2d(3, 4, .*) needs (4, 3, 3, 3)" "$tmp/out.log"' "import of a wrong shape: rc $rc, $(cat "$tmp/out.log")"
  head -c 74 "$tmp/wrong.safetensors" > "$tmp/cut.safetensors"
  run import --pytorch "$tmp/cut.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/back.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "cut.safetensors: .*truncated" "$tmp/out.log"' "import of a truncated file: rc $rc, $(cat "$tmp/out.log")"
  printf 'junk' > "$tmp/junk.safetensors"
  run import --pytorch "$tmp/junk.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/back.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "junk.safetensors" "$tmp/out.log"' "import of junk: rc $rc, $(cat "$tmp/out.log")"
  run import --pytorch "$tmp/wrong.safetensors" --config "$tmp/junk.safetensors" --save "$tmp/back.safetensors"
  expect '[ $rc -eq 1 ] && grep -q "junk.safetensors" "$tmp/out.log"' "import with a junk config: rc $rc, $(cat "$tmp/out.log")"
  # st PATH HEADER BYTES [FIRST4]: a safetensors file with that JSON header and BYTES zero bytes of
  # data (the first four replaced by FIRST4, printf escapes, when given).
  st() {
    local hdr="$2"; while [ $(( ${#hdr} % 8 )) -ne 0 ]; do hdr="$hdr "; done
    { printf "\\x$(printf %02x $(( ${#hdr} % 256 )))\\x$(printf %02x $(( ${#hdr} / 256 )))\\x00\\x00\\x00\\x00\\x00\\x00"
      printf '%s' "$hdr"; if [ -n "${4:-}" ]; then printf "$4"; head -c $(( $3 - 4 )) /dev/zero; else head -c "$3" /dev/zero; fi
    } > "$1"
  }
  imp() { run import --pytorch "$tmp/$1" --config "$tmp/tiny.safetensors" --save "$tmp/back.safetensors"; }
  st "$tmp/f16.safetensors" '{"0.weight":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}' 4; imp f16.safetensors
  expect '[ $rc -eq 1 ] && grep -q "f16.safetensors: tensor .0.weight. is \"F16\", not F32" "$tmp/out.log"' "F16 tensor: rc $rc, $(cat "$tmp/out.log")"
  st "$tmp/overlap.safetensors" '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' 4
  imp overlap.safetensors
  expect '[ $rc -eq 1 ] && grep -q "overlap.safetensors: its tensors overlap or leave gaps" "$tmp/out.log"' "overlapping tensors: rc $rc, $(cat "$tmp/out.log")"
  st "$tmp/range.safetensors" '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}' 4; imp range.safetensors
  expect '[ $rc -eq 1 ] && grep -q "range.safetensors: tensor .a. has a byte range that does not fit its shape" "$tmp/out.log"' "byte range vs shape: rc $rc, $(cat "$tmp/out.log")"
  # tiny's state_dict, all zeros (0: Conv2d(3, 4, 3), 4: Linear(256, 2)): imports, and predicts logits 0 0.
  ok_hdr='"0.weight":{"dtype":"F32","shape":[4,3,3,3],"data_offsets":[0,432]},"0.bias":{"dtype":"F32","shape":[4],"data_offsets":[432,448]},"4.weight":{"dtype":"F32","shape":[2,256],"data_offsets":[448,2496]},"4.bias":{"dtype":"F32","shape":[2],"data_offsets":[2496,2504]}'
  st "$tmp/zeros.safetensors" "{$ok_hdr}" 2504; imp zeros.safetensors
  expect '[ $rc -eq 0 ] && [ -s "$tmp/back.safetensors" ]' "import of a zero state_dict: rc $rc, $(cat "$tmp/out.log")"
  run logits --load "$tmp/back.safetensors" "$tmp/data/dark/d0.bmp"
  expect '[ $rc -eq 0 ] && [ "$(cat "$tmp/out.log")" = "$tmp/data/dark/d0.bmp 0 0" ]' "logits of the zero model: $(cat "$tmp/out.log")"
  rm -f "$tmp/back.safetensors"
  st "$tmp/nan.safetensors" "{$ok_hdr}" 2504 '\x00\x00\xc0\x7f'; imp nan.safetensors
  expect '[ $rc -eq 1 ] && grep -q "nan.safetensors: tensor .0.weight. holds a non-finite value at index 0" "$tmp/out.log" && [ ! -e "$tmp/back.safetensors" ]' "NaN weight: rc $rc, $(cat "$tmp/out.log")"
  st "$tmp/extra.safetensors" "{$ok_hdr,\"9.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2504,2508]}}" 2508
  imp extra.safetensors
  expect '[ $rc -eq 1 ] && grep -q "extra.safetensors: unexpected tensor .9.weight. for this model" "$tmp/out.log"' "extra tensor: rc $rc, $(cat "$tmp/out.log")"
  # A BatchNorm model (0: Conv2d(3, 2, 1), 1: BatchNorm2d(2), 2-3: AdaptiveAvgPool2d + Flatten,
  # 4: Linear(2, 2)): its state_dict needs running_mean and running_var, not num_batches_tracked.
  printf '%s\n' 'name = "bn"' 'image_size = 16' '[[layer]]' 'type = "Conv2D"' 'filters = 2' \
    'kernel_size = 1' '[[layer]]' 'type = "BatchNormalization"' '[[layer]]' \
    'type = "GlobalAveragePooling2D"' '[[layer]]' 'type = "Dense"' 'units = "classes"' \
    'activation = "softmax"' > "$tmp/bn.toml"
  "$cnnlab" train --data "$tmp/data" --model "$tmp/bn.toml" --epochs 1 --batch-size 4 \
    --save "$tmp/bn.safetensors" > "$tmp/train.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "train bn: $(tail -3 "$tmp/train.log")"
  run export --pytorch "$tmp/xbn" --load "$tmp/bn.safetensors"
  expect '[ $rc -eq 0 ] && grep -q "^        nn.BatchNorm2d(2, eps=0.001, momentum=0.01),  # 1: batch_normalization" "$tmp/xbn/model.py"' "export bn: rc $rc, $(grep -m1 BatchNorm2d "$tmp/xbn/model.py")"
  # sd PATH FIRST4 NAME:DTYPE:SHAPE:BYTES...: a state_dict of zeros, tensors in that order (the
  # first four bytes FIRST4, printf escapes, when not empty).
  sd() {
    local path="$1" first="$2" hdr="" at=0 spec n d s b; shift 2
    for spec in "$@"; do
      IFS=: read -r n d s b <<< "$spec"
      hdr+="${hdr:+,}\"$n\":{\"dtype\":\"$d\",\"shape\":[$s],\"data_offsets\":[$at,$((at + b))]}"
      at=$((at + b))
    done
    st "$path" "{$hdr}" "$at" "$first"
  }
  bn_rest=(0.weight:F32:2,3,1,1:24 0.bias:F32:2:8 1.weight:F32:2:8 1.bias:F32:2:8 4.weight:F32:2,2:16 4.bias:F32:2:8)
  imp_bn() { run import --pytorch "$tmp/$1" --config "$tmp/bn.safetensors" --save "$tmp/back.safetensors"; }
  sd "$tmp/bn_ok.safetensors" "" 1.running_var:F32:2:8 1.running_mean:F32:2:8 1.num_batches_tracked:I64::8 "${bn_rest[@]}"
  imp_bn bn_ok.safetensors
  expect '[ $rc -eq 0 ]' "import of a BatchNorm state_dict (int64 num_batches_tracked): rc $rc, $(cat "$tmp/out.log")"
  run logits --load "$tmp/back.safetensors" "$tmp/data/dark/d0.bmp"
  expect '[ $rc -eq 0 ] && [ "$(cat "$tmp/out.log")" = "$tmp/data/dark/d0.bmp 0 0" ]' "logits of the zero bn model: $(cat "$tmp/out.log")"
  rm -f "$tmp/back.safetensors"
  sd "$tmp/bn_nocount.safetensors" "" 1.running_var:F32:2:8 1.running_mean:F32:2:8 "${bn_rest[@]}"
  imp_bn bn_nocount.safetensors
  expect '[ $rc -eq 0 ]' "import without num_batches_tracked: rc $rc, $(cat "$tmp/out.log")"
  sd "$tmp/bn_neg.safetensors" '\x00\x00\x80\xbf' 1.running_var:F32:2:8 1.running_mean:F32:2:8 "${bn_rest[@]}"
  rm -f "$tmp/back.safetensors"; imp_bn bn_neg.safetensors
  expect '[ $rc -eq 1 ] && grep -q "bn_neg.safetensors: tensor .1.running_var. holds a negative variance at index 0" "$tmp/out.log" && [ ! -e "$tmp/back.safetensors" ]' "negative running_var: rc $rc, $(cat "$tmp/out.log")"
  sd "$tmp/bn_nomean.safetensors" "" 1.running_var:F32:2:8 "${bn_rest[@]}"
  imp_bn bn_nomean.safetensors
  expect '[ $rc -eq 1 ] && grep -q "bn_nomean.safetensors: no tensor .1.running_mean. (nn.BatchNorm2d(2, eps=0.001, momentum=0.01))" "$tmp/out.log"' "missing running_mean: rc $rc, $(cat "$tmp/out.log")"
  sd "$tmp/bn_shape.safetensors" "" 1.running_var:F32:3:12 1.running_mean:F32:2:8 "${bn_rest[@]}"
  imp_bn bn_shape.safetensors
  expect '[ $rc -eq 1 ] && grep -q "bn_shape.safetensors: tensor .1.running_var. is (3,), nn.BatchNorm2d(2, .*) needs (2,)" "$tmp/out.log"' "running_var of the wrong shape: rc $rc, $(cat "$tmp/out.log")"
  sd "$tmp/bn_i64.safetensors" "" 1.running_var:I64:2:16 1.running_mean:F32:2:8 "${bn_rest[@]}"
  imp_bn bn_i64.safetensors
  expect '[ $rc -eq 1 ] && grep -q "bn_i64.safetensors: tensor .1.running_var. is \"I64\", not F32" "$tmp/out.log"' "an int64 running_var: rc $rc, $(cat "$tmp/out.log")"
  echo "export_import_errors: $pass passed, $fail failed"
  [ $fail -eq 0 ]; exit $?
fi

# ---- torch: logits within 1e-4 of ours, and the way back ----
mkdir -p "$tmp/data/dark" "$tmp/data/light" "$tmp/img"
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do bmp16 "$tmp/data/dark/d$i.bmp" "$i" 0; bmp16 "$tmp/data/light/l$i.bmp" "$i" 128; done
for i in 0 1 2 3; do bmp16 "$tmp/img/q$i.bmp" $((50 + i * 7)) $((i * 60)); done
images=("$tmp"/img/q0.bmp "$tmp"/img/q1.bmp "$tmp"/img/q2.bmp "$tmp"/img/q3.bmp)
for preset in tiny small; do
  "$cnnlab" train --data "$tmp/data" --model "$preset" --image-size 16 --epochs 2 --batch-size 4 \
    --learning-rate 0.01 --save "$tmp/$preset.safetensors" > "$tmp/train_$preset.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "train $preset: $(tail -3 "$tmp/train_$preset.log")"
done
"$cnnlab" export --pytorch "$tmp/exp_tiny" --load "$tmp/tiny.safetensors" > "$tmp/out.log" 2>&1
rc=$?; expect '[ $rc -eq 0 ]' "export tiny: $(cat "$tmp/out.log")"

# A hand-made checkpoint (written with the exported model.py's writer): a stride-2 "same" conv (pad
# 0 before, 1 after), an even kernel (pad 1, 2), a valid conv, a 3/2 pool, two dense layers.
PYTHONPATH="$tmp/exp_tiny" "$py" - "$tmp/custom.safetensors" <<'PY'
import json, sys
import numpy as np
import model
layers = [{"class": "Conv2D", "filters": 6, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
          {"class": "Conv2D", "filters": 5, "kernel_size": 4, "strides": 1, "padding": "same", "activation": "relu"},
          {"class": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 1, "padding": "valid", "activation": "linear"},
          {"class": "MaxPooling2D", "pool_size": 3, "strides": 2}, {"class": "Flatten"},
          {"class": "Dense", "units": 7, "activation": "relu"}, {"class": "Dense", "units": 3, "activation": "softmax"}]
shapes = [("conv2d", (3, 3, 3, 6)), ("conv2d_1", (4, 4, 6, 5)), ("conv2d_2", (3, 3, 5, 4)),
          ("dense", (16, 7)), ("dense_1", (7, 3))]
rng = np.random.default_rng(5)
t = {}
for name, shape in shapes:
    t[name + "/kernel"] = rng.uniform(-0.5, 0.5, shape)
    t[name + "/bias"] = rng.uniform(-0.2, 0.2, shape[-1])
meta = {"format": "pt", "cnnlab.format": "1", "cnnlab.preset": "custom", "cnnlab.input": "16,16,3",
        "cnnlab.num_classes": "3", "cnnlab.layers": json.dumps(layers), "cnnlab.scaling_mean": "0.5",
        "cnnlab.scaling_std": "0.25", "cnnlab.class_names": '["a", "b", "c%25"]'}
model.write_safetensors(sys.argv[1], t, meta)
PY
rc=$?; expect '[ $rc -eq 0 ]' "writing the hand-made checkpoint"

for name in tiny small custom; do
  d="$tmp/exp_$name"
  "$cnnlab" export --pytorch "$d" --load "$tmp/$name.safetensors" > "$tmp/out.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "export $name: $(cat "$tmp/out.log")"
  "$cnnlab" logits --load "$tmp/$name.safetensors" --inputs-out "$tmp/x_$name.safetensors" "${images[@]}" \
    > "$tmp/ours_$name.txt" 2> "$tmp/out.log"
  rc=$?; expect '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/ours_$name.txt") -eq 4 ]' "logits $name: $(cat "$tmp/out.log")"
  (cd "$d" && "$py" model.py weights.safetensors --logits "$tmp/x_$name.safetensors" \
      --save-state "$tmp/state_$name.safetensors") > "$tmp/torch_$name.txt" 2> "$tmp/out.log"
  rc=$?; expect '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/torch_$name.txt") -eq 4 ]' "model.py $name: $(tail -3 "$tmp/out.log")"
  # Our lines are "PATH v1 v2 ...", torch's "v1 v2 ...": every value within 1e-4 (relative above 1).
  diff_report=$(paste -d' ' <(cut -d' ' -f2- "$tmp/ours_$name.txt") "$tmp/torch_$name.txt" | awk '{
    n = NF / 2; for (i = 1; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d; a = $i < 0 ? -$i : $i
      t = a > 1 ? 1e-4 * a : 1e-4; if (d > t || NF % 2) bad++; if (d > worst) worst = d; cnt++ } }
    END { printf "%d values, max |diff| %.3g, %d over", cnt, worst, bad; exit (bad > 0 || cnt < 8) }')
  rc=$?; expect '[ $rc -eq 0 ]' "$name: torch logits differ from ours: $diff_report"
  echo "$name: $diff_report"
  "$cnnlab" import --pytorch "$tmp/state_$name.safetensors" --config "$tmp/$name.safetensors" \
    --save "$tmp/back_$name.safetensors" > "$tmp/out.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "import $name: $(cat "$tmp/out.log")"
  "$cnnlab" logits --load "$tmp/back_$name.safetensors" "${images[@]}" > "$tmp/back_$name.txt" 2>&1
  expect 'cmp -s "$tmp/ours_$name.txt" "$tmp/back_$name.txt"' "$name: the imported checkpoint's logits differ: $(diff "$tmp/ours_$name.txt" "$tmp/back_$name.txt" | head -4)"
done
expect 'grep -q "nn.ZeroPad2d((0, 1, 0, 1)),  # 0: conv2d" "$tmp/exp_custom/model.py" && grep -q "nn.ZeroPad2d((1, 2, 1, 2))" "$tmp/exp_custom/model.py"' "uneven Keras padding as ZeroPad2d: $(grep -c ZeroPad2d "$tmp/exp_custom/model.py")"
# A state_dict from another model (small's, for the tiny config) is refused before anything is written.
"$cnnlab" import --pytorch "$tmp/state_small.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/mix.safetensors" > "$tmp/out.log" 2>&1
rc=$?; expect '[ $rc -eq 1 ] && grep -q "state_small.safetensors: its cnnlab.layers differs from" "$tmp/out.log" && [ ! -e "$tmp/mix.safetensors" ]' "import of another model's state: $(cat "$tmp/out.log")"
echo "export_pytorch: $pass passed, $fail failed"
[ $fail -eq 0 ]
