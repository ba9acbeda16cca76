#!/usr/bin/env bash
# tests/app/cli_checkpoint_test.sh — checkpoints and settings the CLI must refuse with a message and exit 1
# (issue 7: items 1, 2, 4, 10, 11), never an abort or a NaN answer; odd class names round-trip.
# Edits checkpoints with perl (Debian's perl-base). Usage: cli_checkpoint_test.sh CNNLAB
set -u
cnnlab="$1"
tmp="$(mktemp -d)"; trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
export CNNLAB_RUNS="$tmp/runs"  # `cnnlab train` records its runs there, not in ~/.local/share
. "$(dirname "$0")/cli_test_lib.sh"
# refused LOG PATTERN: the last command exited 1 and LOG says "cnnlab: error:" and matches PATTERN.
refused() { local rc=$? log="$1" pat="$2" what="$3"
  expect '[ $rc -eq 1 ] && grep -q "^cnnlab: error:" "$log" && grep -q -- "$pat" "$log"' "$what: rc $rc, $(head -c 400 "$log")"; }

# edit IN OUT PERL: OUT is IN with the perl substitution applied to the whole file (header lengths kept).
edit() { perl -0777 -pe "$3" < "$1" > "$2"; }

# Item 11: summary sizes past the limit are refused before any arithmetic overflows.
"$cnnlab" summary --image-size 100000 > "$tmp/s.log" 2>&1
refused "$tmp/s.log" "--image-size: must be between 8 and 2048" "summary --image-size 100000"

# A dataset whose class folder names hold a newline and a byte that is not UTF-8 (folder names are bytes).
blue="$tmp/data/blue"$'\n'"sky"; red="$tmp/data/red"$'\xff'
mkdir -p "$blue" "$red"
for i in 0 1 2 3 4 5 6 7; do bmp "$blue/b$i.bmp" "e$i" "2$i" "1$i"; bmp "$red/r$i.bmp" "1$i" "2$i" "e$i"; done
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 8 --epochs 1 --batch-size 4 --test-size 0.25 \
  --save "$tmp/m.safetensors" > "$tmp/train.log" 2>&1
expect '[ $? -eq 0 ] && [ -s "$tmp/m.safetensors" ]' "train with odd class names: $(tail -3 "$tmp/train.log")"
"$cnnlab" evaluate --load "$tmp/m.safetensors" --data "$tmp/data" --test-size 0.25 --batch-size 4 > "$tmp/ev.log" 2>&1
expect '[ $? -eq 0 ] && grep -q "^Test-loss: [0-9.]*, Test-accuracy: [0-9.]*$" "$tmp/ev.log"' "evaluate reads the odd class names back: $(tail -3 "$tmp/ev.log")"
"$cnnlab" predict --load "$tmp/m.safetensors" "$red/r0.bmp" > "$tmp/pr.log" 2>&1
# (the top class's name spans two lines when it is "blue<newline>sky")
expect '[ $? -eq 0 ] && grep -Eq "r0.bmp: (red|blue)" "$tmp/pr.log" && grep -Eq "^(sky )?\([0-9.]+%\)$|r0.bmp: red.* \([0-9.]+%\)$" "$tmp/pr.log" && ! grep -q nan "$tmp/pr.log"' "predict with odd class names: $(head -3 "$tmp/pr.log")"

# Item 4: --threads 0 or negative is a message, not an abort.
for t in 0 -3; do
  "$cnnlab" predict --load "$tmp/m.safetensors" --threads "$t" "$red/r0.bmp" > "$tmp/t.log" 2>&1
  refused "$tmp/t.log" "--threads: must be between 1 and 256" "predict --threads $t"
done

# Item 1: a config with 4 input channels (predict fed it h·w·3 floats); item 2: a non-square one
# (evaluate asserted). Same-length edits keep the header length right.
edit "$tmp/m.safetensors" "$tmp/c4.safetensors" 's/"cnnlab.input":"8,8,3"/"cnnlab.input":"8,8,4"/'
edit "$tmp/m.safetensors" "$tmp/ns.safetensors" 's/"cnnlab.input":"8,8,3"/"cnnlab.input":"9,8,3"/'
expect '! cmp -s "$tmp/m.safetensors" "$tmp/c4.safetensors" && ! cmp -s "$tmp/m.safetensors" "$tmp/ns.safetensors"' "the edits changed the files"
"$cnnlab" predict --load "$tmp/c4.safetensors" "$red/r0.bmp" > "$tmp/c4p.log" 2>&1
refused "$tmp/c4p.log" "c4.safetensors: bad model config: input 8x8x4 has 4 channels" "predict, 4-channel config"
"$cnnlab" evaluate --load "$tmp/c4.safetensors" --data "$tmp/data" > "$tmp/c4e.log" 2>&1
refused "$tmp/c4e.log" "input 8x8x4 has 4 channels" "evaluate, 4-channel config"
"$cnnlab" evaluate --load "$tmp/ns.safetensors" --data "$tmp/data" > "$tmp/nse.log" 2>&1
refused "$tmp/nse.log" "ns.safetensors: bad model config: input 9x8x3 is not square" "evaluate, non-square config"

# Item 11: evaluate's --image-size must match the checkpoint (it used to be ignored silently).
"$cnnlab" evaluate --load "$tmp/m.safetensors" --data "$tmp/data" --image-size 16 > "$tmp/is.log" 2>&1
refused "$tmp/is.log" "--image-size 16: the checkpoint's model takes 8x8 images" "evaluate --image-size 16"
"$cnnlab" evaluate --load "$tmp/m.safetensors" --data "$tmp/data" --test-size 0.25 --image-size 8 > "$tmp/is8.log" 2>&1
expect '[ $? -eq 0 ]' "evaluate --image-size equal to the checkpoint's: $(tail -2 "$tmp/is8.log")"
"$cnnlab" evaluate --help > "$tmp/help.log" 2>&1
expect 'grep -q "if given, must equal it" "$tmp/help.log"' "evaluate --help says what --image-size does"

# Item 10: header length off by one (data misaligned by a byte), trailing bytes, a NaN weight,
# a duplicate key: evaluate and predict refuse them instead of printing NaN or an accuracy.
edit "$tmp/m.safetensors" "$tmp/len.safetensors" 's/\A(.)/chr(ord($1) - 1)/se'
"$cnnlab" evaluate --load "$tmp/len.safetensors" --data "$tmp/data" > "$tmp/len.log" 2>&1
refused "$tmp/len.log" "len.safetensors" "evaluate, header length one short"
{ cat "$tmp/m.safetensors"; printf '\0\0\0\0'; } > "$tmp/trail.safetensors"
"$cnnlab" predict --load "$tmp/trail.safetensors" "$red/r0.bmp" > "$tmp/trail.log" 2>&1
refused "$tmp/trail.log" "4 bytes no tensor covers" "predict, trailing bytes"
edit "$tmp/m.safetensors" "$tmp/nan.safetensors" 's/....\z/\x00\x00\xc0\x7f/s'
"$cnnlab" predict --load "$tmp/nan.safetensors" "$red/r0.bmp" > "$tmp/nan.log" 2>&1
refused "$tmp/nan.log" "tensor 'dense/bias' holds a non-finite value (nan) at index 1" "predict, NaN weight"
edit "$tmp/m.safetensors" "$tmp/dup.safetensors" 's/"format":"pt"/"format":"px"/; s/"cnnlab.format":"1"/"format":"pt"    /'
"$cnnlab" predict --load "$tmp/dup.safetensors" "$red/r0.bmp" > "$tmp/dup.log" 2>&1
refused "$tmp/dup.log" 'duplicate key "format"' "predict, duplicate key"

# Finite but huge weights overflow the logits to ±inf: predict says so rather than "red (nan%)".
# From the end of the 8×8 tiny model: conv2d/bias (4 floats, set to 1000 so every activation is
# large), dense/kernel (64×2 floats, ±3e38 by unit), dense/bias (2 floats).
edit "$tmp/m.safetensors" "$tmp/huge.safetensors" \
  'substr($_, -536, 16) = pack("f<4", (1000) x 4); substr($_, -520, 512) = pack("f<*", map { $_ % 2 ? -3e38 : 3e38 } 0..127)'
"$cnnlab" predict --load "$tmp/huge.safetensors" "$red/r0.bmp" > "$tmp/huge.log" 2>&1
refused "$tmp/huge.log" "r0.bmp: the model's output for this image is not a number" "predict, overflowing weights"
"$cnnlab" evaluate --load "$tmp/huge.safetensors" --data "$tmp/data" > "$tmp/hugee.log" 2>&1
refused "$tmp/hugee.log" "huge.safetensors: the model's loss on these images is not a number" "evaluate, overflowing weights"

# Item 4: buffers the system refuses to map (here: an address-space limit of 1.5 GB against 3.2 GB
# of activations for batch 4096 at 256×256) are the out-of-memory message, not an abort. Where less
# than 3.2 GB is available the memory check refuses first, with a message naming memory too.
"$cnnlab" train --data "$tmp/data" --model tiny --image-size 256 --epochs 1 --batch-size 4 --test-size 0.25 \
  --save "$tmp/big.safetensors" > "$tmp/trainbig.log" 2>&1
expect '[ $? -eq 0 ]' "train at 256: $(tail -3 "$tmp/trainbig.log")"
# (An ASan build reserves terabytes of shadow address space: cli_checkpoint.cmake sets
# CNNLAB_TEST_NO_ULIMIT=1 there.)
if [ -z "${CNNLAB_TEST_NO_ULIMIT:-}" ]; then
  ( ulimit -v 1500000; exec "$cnnlab" evaluate --load "$tmp/big.safetensors" --data "$tmp/data" --batch-size 4096 ) > "$tmp/oom.log" 2>&1
  refused "$tmp/oom.log" "memory" "evaluate, batch the system cannot map"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
