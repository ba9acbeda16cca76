// tests/fuzz/fuzz_checkpoint.cpp — seeded mutations of a small valid checkpoint through the loader:
// each case loads a consistent model or throws UserError; nothing crashes or aborts.
// CNNLAB_FUZZ_ITERS=N runs N cases (default 300); run it under -DCNNLAB_SANITIZE=address,undefined.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/setup.h"

using namespace cnnlab;

namespace {

int fuzz_iterations() {
  const char* s = std::getenv("CNNLAB_FUZZ_ITERS");
  const int n = s ? std::atoi(s) : 0;
  return n > 0 ? n : 300;
}

uint64_t header_length(const std::string& file) {
  uint64_t n = 0;
  if (file.size() >= 8) std::memcpy(&n, file.data(), 8);
  return n;
}

// Replaces the header (bytes [8, 8 + n)) and writes the new length, when the file has one.
std::string with_header(const std::string& file, const std::string& header) {
  const uint64_t n = header_length(file);
  if (file.size() < 8 || n > file.size() - 8) return file;
  const uint64_t m = header.size();
  return std::string(reinterpret_cast<const char*>(&m), 8) + header + file.substr(8 + n);
}

std::string header_of(const std::string& file) {
  const uint64_t n = header_length(file);
  if (file.size() < 8 || n > file.size() - 8) return "";
  return file.substr(8, n);
}

// Positions of every run of digits in `s` (offsets, shapes, lengths, config numbers).
std::vector<std::pair<size_t, size_t>> number_runs(const std::string& s) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < s.size();) {
    if (s[i] < '0' || s[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    runs.emplace_back(i, j - i);
    i = j;
  }
  return runs;
}

std::string random_number(Rng& rng, const std::string& old) {
  const long long v = std::atoll(old.substr(0, 15).c_str());
  switch (rng.below(8)) {
    case 0:
      return std::to_string(v + 1);
    case 1:
      return std::to_string(v > 0 ? v - 1 : 0);
    case 2:
      return "0";
    case 3:
      return std::to_string(v * 2);
    case 4:
      return "4294967296";
    case 5:
      return "18446744073709551616";  // 2^64: not a uint64
    case 6:
      return "-" + old;
    default:
      return std::to_string(rng.below(100000));
  }
}

// One mutation; `kind` picks which.
std::string mutate(Rng& rng, std::string f) {
  const uint32_t kind = rng.below(10);
  if (f.empty()) return std::string(rng.below(16), '{');
  switch (kind) {
    case 0: {  // bit flips anywhere
      for (uint32_t k = 0, n = 1 + rng.below(4); k < n; ++k)
        f[rng.below(uint32_t(f.size()))] ^= char(1u << rng.below(8));
      return f;
    }
    case 1:
      return f.insert(rng.below(uint32_t(f.size() + 1)), 1, char(rng.below(256)));
    case 2:
      return f.erase(rng.below(uint32_t(f.size())), 1 + rng.below(4));
    case 3:
      return f.substr(0, rng.below(uint32_t(f.size())));
    case 4: {  // a number in the header (offsets, shapes, "H,W,C", layer fields)
      std::string h = header_of(f);
      auto runs = number_runs(h);
      if (runs.empty()) return f;
      auto [at, len] = runs[rng.below(uint32_t(runs.size()))];
      h.replace(at, len, random_number(rng, h.substr(at, len)));
      return with_header(f, h);
    }
    case 5: {  // dtypes
      std::string h = header_of(f);
      const size_t at = h.find("\"F32\"");
      if (at == std::string::npos) return f;
      const char* types[] = {"\"F16\"", "\"BF16\"", "\"F64\"", "\"I32\"",
                             "\"f32\"", "\"\"",     "32",      "null"};
      h.replace(at, 5, types[rng.below(8)]);
      return with_header(f, h);
    }
    case 6: {  // shapes: a dimension added, removed or emptied
      std::string h = header_of(f);
      const size_t at = h.find("\"shape\":[", rng.below(uint32_t(h.size() + 1)));
      if (at == std::string::npos) return f;
      const size_t open = at + 9;
      const char* edits[] = {"1,", "", "0,", "2,2,"};
      const uint32_t e = rng.below(5);
      if (e < 4)
        h.insert(open, edits[e]);
      else
        h.erase(open, std::min(h.find(']', open), h.size()) - open);
      return with_header(f, h);
    }
    case 7: {  // the length prefix
      uint64_t n = header_length(f);
      const long long d[] = {1, -1, 8, -8, 1 << 20, -(long long)n};
      n += uint64_t(d[rng.below(6)]);
      std::memcpy(f.data(), &n, std::min<size_t>(8, f.size()));
      return f;
    }
    case 8: {  // a character of the header, as text (quotes, brackets, escapes, UTF-8 lead bytes)
      std::string h = header_of(f);
      if (h.empty()) return f;
      const char chars[] = {'"', '\\', '{',    '}',    '[',  ']', ',',
                            ':', ' ',  '\xc3', '\xff', '\n', 'x', '0'};
      h[rng.below(uint32_t(h.size()))] = chars[rng.below(sizeof chars)];
      return with_header(f, h);
    }
    default: {  // bytes appended or a float of the data set to something odd
      if (rng.below(2)) return f + std::string(1 + rng.below(8), char(rng.below(256)));
      const float odd[] = {NAN, INFINITY, -INFINITY, 1e30f, -0.0f};
      const uint64_t n = header_length(f);
      if (f.size() < 12 || n > f.size() - 12) return f;
      const size_t at = size_t(8 + n) + 4 * rng.below(uint32_t((f.size() - 8 - n) / 4));
      std::memcpy(&f[at], &odd[rng.below(5)], 4);
      return f;
    }
  }
}

// A loaded model must be one the tools can use: the config check passes, every weight is finite,
// the metadata reads (or is a UserError), and forward runs. Its probabilities must be finite and
// sum to 1 when the weights are of a trained model's size; a mutated exponent (1e38 is finite) may
// overflow the logits, which predict and evaluate report as a UserError of their own.
void check_consistent(LoadedModel& l, const std::string& path) {
  CHECK_NOTHROW(check_model(l.model));
  float largest = 0;
  for (size_t i = 0; i < l.model.num_params(); ++i) {
    REQUIRE(std::isfinite(l.model.params()[i]));
    largest = std::max(largest, std::fabs(l.model.params()[i]));
  }
  const int h = l.model.input_h(), w = l.model.input_w(), k = l.model.num_classes();
  std::vector<float> x(size_t(h) * w * 3, 0.5f), p(static_cast<size_t>(k));
  l.model.forward(x.data(), 1, p.data());
  if (largest <= 1e4f) {
    double sum = 0;
    for (float v : p) {
      CHECK(std::isfinite(v));
      sum += v;
    }
    CHECK(std::fabs(sum - 1.0) < 1e-4);
  }
  try {
    CheckpointInfo info = read_checkpoint_info(l.metadata, path, k);
    CHECK(int(info.class_names.size()) == k);
    CHECK(std::isfinite(info.scaling.mean));
    CHECK(std::isfinite(info.scaling.std));
  } catch (const UserError&) {
  }
}

}  // namespace

TEST_CASE("fuzz: mutated checkpoints load consistently or throw UserError") {
  test::TempDir dir("fuzz_ckpt");
  const std::string good = dir / "good.safetensors", path = dir / "case.safetensors";
  Model m = build_preset("tiny", 12, 3);
  m.allocate(1);
  m.init(3);
  RunSettings s;
  save_safetensors(
      good, m, checkpoint_metadata({"daisy", "two\nlines", "\xff raw"}, Scaling{0.4f, 0.2f}, s, 2));
  std::ifstream in(good, std::ios::binary);
  const std::string seed_file((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());

  const int iters = fuzz_iterations();
  Rng rng(20261201);
  int loaded = 0, refused = 0;
  for (int it = 0; it < iters; ++it) {
    std::string f = seed_file;
    for (uint32_t k = 0, n = 1 + rng.below(3); k < n; ++k) f = mutate(rng, f);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << f;
    try {
      LoadedModel l = load_safetensors(path, 1 + int(rng.below(4)), rng.below(2) == 0);
      check_consistent(l, path);
      ++loaded;
    } catch (const UserError& e) {
      CHECK(e.path() == path);
      ++refused;
    } catch (const std::exception& e) {
      FAIL("case " << it << ": not a UserError: " << e.what());
    }
  }
  MESSAGE(iters << " cases: " << loaded << " loaded, " << refused << " refused with UserError");
  CHECK(loaded + refused == iters);
  CHECK(refused > iters / 2);  // the mutations reach the checks, not only harmless bytes
}

TEST_CASE("fuzz: load_safetensors_weights refuses mutations without touching the live weights") {
  test::TempDir dir("fuzz_ckpt");
  const std::string good = dir / "good.safetensors", path = dir / "case.safetensors";
  Model m = build_preset("tiny", 12, 2);
  m.allocate(1);
  m.init(5);
  save_safetensors(good, m);
  std::ifstream in(good, std::ios::binary);
  const std::string seed_file((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  Model live = build_preset("tiny", 12, 2);
  live.allocate(1);
  live.init(6);
  const std::vector<float> before(live.params(), live.params() + live.num_params());
  Rng rng(7);
  const int iters = std::max(1, fuzz_iterations() / 3);
  for (int it = 0; it < iters; ++it) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << mutate(rng, seed_file);
    try {
      load_safetensors_weights(path, live);
      for (size_t i = 0; i < live.num_params(); ++i) REQUIRE(std::isfinite(live.params()[i]));
      std::copy(before.begin(), before.end(), live.params());  // loaded: reset for the next case
    } catch (const UserError&) {
      REQUIRE(std::vector<float>(live.params(), live.params() + live.num_params()) == before);
    }
  }
}
