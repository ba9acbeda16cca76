# tests/app/cli_test_lib.sh — shared by the CLI end-to-end scripts (sourced): pass/fail counters and tiny BMPs.
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { if eval "$1"; then ok; else bad "$2"; fi; }

# A 4×4 24-bit BMP of one colour (B G R hex bytes), written with printf: 54-byte header + 4 rows × 12 bytes.
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
