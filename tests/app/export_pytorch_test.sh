#!/usr/bin/env bash
# tests/app/export_pytorch_test.sh — `cnnlab export --pytorch` and `cnnlab import --pytorch`.
#   errors MODE: refusals with a message naming the file (no Python needed).
#   torch MODE: seven checkpoints exported, run in PyTorch in eval mode on four images (logits
#   within 1e-4 of ours), saved by model.py's save_state and imported back (then bit-identical to
#   the original): tiny, small and the shipped compact (at 32x32) and course-regularised at 16x16,
#   trained here; mini (compact's kinds of layer) and flatbn (BatchNorm and Dropout after a
#   Flatten) from model files written here, trained 2 epochs so BatchNorm's moving statistics
#   moved; a hand-made one with strides, an even kernel and valid padding. mini and flatbn also
#   train one step in PyTorch (its running statistics move) and come back with PyTorch's eval
#   logits.
#   errors MODE also checks the BatchNorm state_dicts import accepts and refuses.
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
# mini: compact's kinds of layer at 16x16 (augmentation, Conv2D, BatchNormalization with momentum
# 0.9, MaxPooling2D, AveragePooling2D "same" with Keras's uneven padding and "valid",
# GlobalAveragePooling2D, Dropout, Dense with kernel_regularizer, BatchNormalization after a Dense).
# flatbn: course-regularised's Flatten -> Dropout -> Dense with a BatchNormalization (momentum 0.8,
# epsilon 0.01) on the flattened features, all six augmentation layers, an even "same" average pool.
layer() { printf '[[layer]]\n'; for kv in "$@"; do printf '%s\n' "$kv"; done; }
{ printf 'name = "mini"\nimage_size = 16\n'
  layer 'type = "RandomFlip"' 'mode = "horizontal"'; layer 'type = "RandomRotation"' 'factor = 0.05'
  layer 'type = "Conv2D"' 'filters = 4' 'kernel_size = 3' 'padding = "same"' 'activation = "relu"'
  layer 'type = "BatchNormalization"' 'momentum = 0.9'; layer 'type = "MaxPooling2D"' 'pool_size = 2'
  layer 'type = "AveragePooling2D"' 'pool_size = 3' 'strides = 2' 'padding = "same"'
  layer 'type = "Conv2D"' 'filters = 6' 'kernel_size = 3' 'padding = "same"' 'activation = "relu"' \
    'kernel_regularizer = { l2 = 0.001 }'
  layer 'type = "AveragePooling2D"' 'pool_size = 2'; layer 'type = "GlobalAveragePooling2D"'
  layer 'type = "Dropout"' 'rate = 0.25'
  layer 'type = "Dense"' 'units = 8' 'activation = "relu"' 'kernel_regularizer = { l2 = 0.01 }'
  layer 'type = "BatchNormalization"' 'momentum = 0.9'
  layer 'type = "Dense"' 'units = "classes"' 'activation = "softmax"'; } > "$tmp/mini.toml"
{ printf 'name = "flatbn"\nimage_size = 16\n'
  layer 'type = "RandomFlip"'; layer 'type = "RandomZoom"' 'height_factor = 0.1' 'width_factor = [-0.2, 0.1]'
  layer 'type = "RandomTranslation"' 'height_factor = 0.1' 'width_factor = 0.2'
  layer 'type = "RandomContrast"' 'factor = 0.2'; layer 'type = "RandomBrightness"' 'factor = 0.1'
  layer 'type = "Conv2D"' 'filters = 3' 'kernel_size = 3' 'strides = 2' 'padding = "same"' 'activation = "relu"'
  layer 'type = "AveragePooling2D"' 'pool_size = 3' 'strides = 1' 'padding = "same"'
  layer 'type = "MaxPooling2D"' 'pool_size = 2'; layer 'type = "Flatten"'
  layer 'type = "BatchNormalization"' 'momentum = 0.8' 'epsilon = 0.01'; layer 'type = "Dropout"' 'rate = 0.5'
  layer 'type = "Dense"' 'units = 5' 'activation = "relu"'; layer 'type = "Dropout"' 'rate = 0.2'
  layer 'type = "Dense"' 'units = "classes"' 'activation = "softmax"'; } > "$tmp/flatbn.toml"
for preset in tiny small compact course-regularised mini flatbn; do
  model="$preset"; [ -e "$tmp/$preset.toml" ] && model="$tmp/$preset.toml"
  size=16; [ "$preset" = compact ] && size=32  # its average pool and four max pools halve 5 times
  "$cnnlab" train --data "$tmp/data" --model "$model" --image-size $size --epochs 2 --batch-size 4 \
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

# compare OURS TORCH: our lines are "PATH v1 v2 ...", torch's "v1 v2 ...": every value within 1e-4
# (relative above 1); prints a report, fails when one is over or fewer than 8 values compare.
compare() {
  paste -d' ' <(cut -d' ' -f2- "$1") "$2" | awk '{
    n = NF / 2; for (i = 1; i <= n; i++) { d = $i - $(i + n); if (d < 0) d = -d; a = $i < 0 ? -$i : $i
      t = a > 1 ? 1e-4 * a : 1e-4; if (d > t || NF % 2) bad++; if (d > worst) worst = d; cnt++ } }
    END { printf "%d values, max |diff| %.3g, %d over", cnt, worst, bad; exit (bad > 0 || cnt < 8) }'
}

for name in tiny small custom compact course-regularised mini flatbn; do
  d="$tmp/exp_$name"
  "$cnnlab" export --pytorch "$d" --load "$tmp/$name.safetensors" > "$tmp/out.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "export $name: $(cat "$tmp/out.log")"
  "$cnnlab" logits --load "$tmp/$name.safetensors" --inputs-out "$tmp/x_$name.safetensors" "${images[@]}" \
    > "$tmp/ours_$name.txt" 2> "$tmp/out.log"
  rc=$?; expect '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/ours_$name.txt") -eq 4 ]' "logits $name: $(cat "$tmp/out.log")"
  (cd "$d" && "$py" model.py weights.safetensors --logits "$tmp/x_$name.safetensors" \
      --save-state "$tmp/state_$name.safetensors") > "$tmp/torch_$name.txt" 2> "$tmp/out.log"
  rc=$?; expect '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/torch_$name.txt") -eq 4 ]' "model.py $name: $(tail -3 "$tmp/out.log")"
  diff_report=$(compare "$tmp/ours_$name.txt" "$tmp/torch_$name.txt")
  rc=$?; expect '[ $rc -eq 0 ]' "$name: torch logits differ from ours: $diff_report"
  echo "$name: $diff_report"
  "$cnnlab" import --pytorch "$tmp/state_$name.safetensors" --config "$tmp/$name.safetensors" \
    --save "$tmp/back_$name.safetensors" > "$tmp/out.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "import $name: $(cat "$tmp/out.log")"
  "$cnnlab" logits --load "$tmp/back_$name.safetensors" "${images[@]}" > "$tmp/back_$name.txt" 2>&1
  expect 'cmp -s "$tmp/ours_$name.txt" "$tmp/back_$name.txt"' "$name: the imported checkpoint's logits differ: $(diff "$tmp/ours_$name.txt" "$tmp/back_$name.txt" | head -4)"
done
expect 'grep -q "nn.ZeroPad2d((0, 1, 0, 1)),  # 0: conv2d" "$tmp/exp_custom/model.py" && grep -q "nn.ZeroPad2d((1, 2, 1, 2))" "$tmp/exp_custom/model.py"' "uneven Keras padding as ZeroPad2d: $(grep -c ZeroPad2d "$tmp/exp_custom/model.py")"
# What mini's and flatbn's model.py say (exact lines: the modules, the docstring's data pipeline).
for want in "        nn.Identity(),  # 0: random_flip (RandomFlip): identity at inference; train with transforms.RandomHorizontalFlip()" \
    "        nn.BatchNorm2d(4, eps=0.001, momentum=0.1),  # 4: batch_normalization: Keras momentum 0.9; eval() normalises with the moving statistics" \
    "        KerasAvgPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(0, 1, 0, 1)),  # 6: average_pooling2d: (4, 4, 4), Keras's uneven \"same\": padded cells left out of the average" \
    "        nn.AvgPool2d(kernel_size=(2, 2), stride=(2, 2)),  # 9: average_pooling2d_1: (2, 2, 6)" \
    "        nn.AdaptiveAvgPool2d(1),  # 10: global_average_pooling2d: (1, 1, 6)" \
    "        nn.Dropout(p=0.25),  # 12: dropout: training only" \
    "        nn.Linear(6, 8),  # 13: dense: (8,); kernel_regularizer l2=0.01: a loss term, see l2_penalty" \
    "        nn.BatchNorm1d(8, eps=0.001, momentum=0.1),  # 15: batch_normalization_1: Keras momentum 0.9; eval() normalises with the moving statistics" \
    "    (13, \"dense\", \"dense\", (1, 1, 6))," \
    "    random_rotation (RandomRotation): transforms.RandomRotation(degrees=(-18, 18)) (Keras fills by reflection)" \
    "Regularised layers: conv2d_1 (l2=0.001), dense (l2=0.01)"; do
  expect 'grep -qxF "$want" "$tmp/exp_mini/model.py"' "mini's model.py lacks the line: $want"
done
for want in "        nn.AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), count_include_pad=False),  # 8: average_pooling2d: (8, 8, 3), \"same\": padded cells left out of the average" \
    "        nn.BatchNorm1d(48, eps=0.01, momentum=0.2),  # 11: batch_normalization: Keras momentum 0.8; eval() normalises with the moving statistics" \
    "    (11, \"batch_normalization\", \"bn\", (4, 4, 3))," "    (13, \"dense\", \"dense\", (4, 4, 3))," \
    "    random_zoom (RandomZoom): transforms.RandomAffine(degrees=0, scale=(0.909091, 1.11111)) (one scale for both axes; Keras draws the width's apart)" \
    "    random_translation (RandomTranslation): transforms.RandomAffine(degrees=0, translate=(0.2, 0.1)) (translate is (width, height) fractions, symmetric)" \
    "    random_contrast (RandomContrast): transforms.ColorJitter(contrast=(0.8, 1.2)) (Keras keeps each channel's mean, torchvision the grey mean)" \
    "Regularised layers: none."; do
  expect 'grep -qxF "$want" "$tmp/exp_flatbn/model.py"' "flatbn's model.py lacks the line: $want"
done

# course-regularised: Flatten -> Dropout -> Dense, so that dense layer's inputs are reordered.
expect 'grep -qxF "    (11, \"dense\", \"dense\", (4, 4, 64))," "$tmp/exp_course-regularised/model.py"' "course-regularised's dense row: $(grep -m1 '"dense"' "$tmp/exp_course-regularised/model.py")"

# mini and flatbn train one step in PyTorch (net.train(): BatchNorm uses and moves its batch
# statistics, num_batches_tracked becomes 1), then save; back in the lab, our logits must be PyTorch's
# eval-mode logits. mini also checks that the lab's moving statistics left their initial values and
# that l2_penalty is the lab's l2 * sum(w**2).
for name in mini flatbn; do
  (cd "$tmp/exp_$name" && "$py" - "$tmp/x_$name.safetensors" "$tmp/step_$name.safetensors" \
      > "$tmp/torch_step_$name.txt" 2> "$tmp/out.log") <<'PY'
import sys
import numpy as np
import torch
from torch import nn
import model
torch.manual_seed(0)
net = model.build_model()
model.load_cnnlab(net, "weights.safetensors")
t, _ = model.read_safetensors("weights.safetensors")
for k, v in t.items():  # the lab trained 2 epochs: its moving statistics are not the initial ones
    if k.endswith("/moving_mean"): assert np.abs(v).max() > 1e-3, k
    if k.endswith("/moving_variance"): assert np.abs(v - 1).max() > 1e-3, k
want = sum(l2 * float((t[layer + "/kernel"].astype(np.float64) ** 2).sum()) for _, layer, l2 in model.L2)
got = float(model.l2_penalty(net))
assert abs(got - want) <= 1e-6 * max(1, want), (got, want)
x = model.to_input(model.read_safetensors(sys.argv[1])[0]["x"])
norms = [m for m in net if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
before = [m.running_mean.clone() for m in norms]
opt = torch.optim.SGD(net.parameters(), lr=0.1)
loss = nn.functional.cross_entropy(net.train()(x), torch.tensor([0, 1, 0, 1])) + model.l2_penalty(net)
loss.backward()
opt.step()
assert norms and all((m.running_mean - b).abs().max() > 1e-4 for m, b in zip(norms, before))
with torch.no_grad():
    for row in net.eval()(x).double().numpy():
        print(" ".join(f"{v:.9g}" for v in row))
model.save_state(net, sys.argv[2])
PY
  rc=$?; expect '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/torch_step_$name.txt") -eq 4 ]' "PyTorch step $name: $(tail -3 "$tmp/out.log")"
  expect 'grep -q "num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":\[\]" "$tmp/step_$name.safetensors"' "$name: save_state writes num_batches_tracked as a 0-d int64"
  "$cnnlab" import --pytorch "$tmp/step_$name.safetensors" --config "$tmp/$name.safetensors" \
    --save "$tmp/stepped_$name.safetensors" > "$tmp/out.log" 2>&1
  rc=$?; expect '[ $rc -eq 0 ]' "import the stepped $name: $(cat "$tmp/out.log")"
  "$cnnlab" logits --load "$tmp/stepped_$name.safetensors" "${images[@]}" > "$tmp/ours_step_$name.txt" 2>&1
  diff_report=$(compare "$tmp/ours_step_$name.txt" "$tmp/torch_step_$name.txt")
  rc=$?; expect '[ $rc -eq 0 ]' "$name after a PyTorch step: our logits differ from PyTorch's: $diff_report"
  expect '! cmp -s "$tmp/ours_$name.txt" "$tmp/ours_step_$name.txt"' "$name: the PyTorch step changed nothing"
  echo "$name after a PyTorch step: $diff_report"
done
# A state_dict from another model (small's, for the tiny config) is refused before anything is written.
"$cnnlab" import --pytorch "$tmp/state_small.safetensors" --config "$tmp/tiny.safetensors" --save "$tmp/mix.safetensors" > "$tmp/out.log" 2>&1
rc=$?; expect '[ $rc -eq 1 ] && grep -q "state_small.safetensors: its cnnlab.layers differs from" "$tmp/out.log" && [ ! -e "$tmp/mix.safetensors" ]' "import of another model's state: $(cat "$tmp/out.log")"
echo "export_pytorch: $pass passed, $fail failed"
[ $fail -eq 0 ]
