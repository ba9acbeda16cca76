// tests/fuzz/fuzz_lesson.cpp — mutated shipped lessons step within the limits or fail with
// file:line.
//
// Mutations: numbers and key values swapped for huge/negative/overflowing/non-finite ones, tokens
// swapped, lines deleted, duplicated (up to 80 times: long grids, many ops) or inserted with risky
// keys, grid rows widened, bytes overwritten or inserted, the text cut short. A few hundred cases
// by default; CNNLAB_FUZZ_ITERS=N runs N, CNNLAB_FUZZ_SEED=S draws another series. Every case has
// its own seed, printed on failure; CNNLAB_FUZZ_CASE=C reruns that one case alone.
// CNNLAB_FUZZ_VERBOSE=1 prints every refusal's reason. Run it under
// -DCNNLAB_SANITIZE=address,undefined too (UBSAN_OPTIONS=halt_on_error=1).
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fileio.h"
#include "core/rng.h"
#include "lesson/lesson.h"
#include "lesson/stepper.h"

using namespace cnnlab;

namespace {

long long env_number(const char* name, long long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoll(v) : fallback;
}

std::vector<std::string> shipped_lesson_texts() {
  std::vector<std::string> paths;
  for (auto& e :
       std::filesystem::recursive_directory_iterator(std::string(CNNLAB_SOURCE_DIR) + "/lessons"))
    if (e.path().extension() == ".toml") paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> texts;
  for (const std::string& p : paths) texts.push_back(read_file_text(p));
  return texts;
}

const char* const kNumbers[] = {"0",
                                "-1",
                                "1",
                                "2",
                                "3",
                                "16",
                                "17",
                                "63",
                                "64",
                                "65",
                                "5000",
                                "2147483647",
                                "2147483648",
                                "-2147483648",
                                "-2147483649",
                                "4294967295",
                                "4294967296",
                                "4294967297",
                                "9223372036854775807",
                                "-9223372036854775808",
                                "1e308",
                                "-1e308",
                                "1e200",
                                "-1e200",
                                "1.5",
                                "-0.0",
                                "nan",
                                "inf",
                                "-inf",
                                "1e-320",
                                "0x7fffffff",
                                "\"3\""};
const char* const kKeys[] = {
    "padding", "stride",  "size",     "relu",   "bias",          "order",        "type",
    "kernel",  "kernels", "expected", "input",  "channel_names", "binary_input", "sandbox",
    "label",   "[[ops]]", "grad",     "target", "learning_rate", "classes",      "true_class"};

// Token spans: runs of number/identifier characters, or one other character each.
std::vector<std::pair<size_t, size_t>> tokens(const std::string& s) {
  auto word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
           c == '+';
  };
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    if (word(s[i]))
      while (j < s.size() && word(s[j])) ++j;
    if (!std::isspace(static_cast<unsigned char>(s[i]))) out.push_back({i, j - i});
    i = j;
  }
  return out;
}

std::vector<size_t> line_starts(const std::string& s) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && i + 1 < s.size()) starts.push_back(i + 1);
  return starts;
}

// [start, end) of line k, including its newline.
std::pair<size_t, size_t> line_span(const std::string& s, const std::vector<size_t>& starts,
                                    size_t k) {
  size_t end = k + 1 < starts.size() ? starts[k + 1] : s.size();
  return {starts[k], end};
}

void mutate_numbers(std::string& s, Rng& rng) {
  auto toks = tokens(s);
  std::vector<std::pair<size_t, size_t>> numbers;
  for (auto t : toks)
    if (std::isdigit(static_cast<unsigned char>(s[t.first])) || (s[t.first] == '-' && t.second > 1))
      numbers.push_back(t);
  if (numbers.empty()) return;
  auto [at, len] = numbers[rng.below(uint32_t(numbers.size()))];
  s.replace(at, len, kNumbers[rng.below(std::size(kNumbers))]);
}

void swap_tokens(std::string& s, Rng& rng) {
  auto toks = tokens(s);
  if (toks.size() < 2) return;
  auto a = toks[rng.below(uint32_t(toks.size()))], b = toks[rng.below(uint32_t(toks.size()))];
  if (a.first > b.first) std::swap(a, b);
  if (a.first + a.second > b.first) return;  // same token
  std::string ta = s.substr(a.first, a.second), tb = s.substr(b.first, b.second);
  s.replace(b.first, b.second, ta);
  s.replace(a.first, a.second, tb);
}

void edit_lines(std::string& s, Rng& rng, int kind) {
  auto starts = line_starts(s);
  auto [from, to] = line_span(s, starts, rng.below(uint32_t(starts.size())));
  std::string line = s.substr(from, to - from);
  if (!line.empty() && line.back() != '\n') line += '\n';
  if (kind == 0) {
    s.erase(from, to - from);
  } else if (kind == 1) {  // duplicate: long grids (rows), many ops, repeated keys
    uint32_t times = 1 + rng.below(rng.below(4) == 0 ? 80 : 3);
    std::string copies;
    for (uint32_t i = 0; i < times; ++i) copies += line;
    s.insert(to, copies);
  } else {  // a risky key with a risky value, half the time inside an op (after its type line)
    std::string key = kKeys[rng.below(std::size(kKeys))];
    std::string added = key == "[[ops]]"
                            ? "[[ops]]\ntype = \"conv\"\nkernel = [[1]]\n"
                            : key + " = " + kNumbers[rng.below(std::size(kNumbers))] + "\n";
    std::vector<size_t> op_lines;
    for (size_t k = 0; k < starts.size(); ++k)
      if (s.compare(starts[k], 5, "type ") == 0) op_lines.push_back(line_span(s, starts, k).second);
    if (!op_lines.empty() && rng.below(2)) from = op_lines[rng.below(uint32_t(op_lines.size()))];
    s.insert(from, added);
  }
}

// Gives an existing one-line key (padding = "valid", stride = 1, size = 2, ...) a risky number.
void set_value(std::string& s, Rng& rng) {
  auto starts = line_starts(s);
  std::vector<std::pair<size_t, size_t>> values;  // [value start, line end)
  for (size_t k = 0; k < starts.size(); ++k) {
    auto [from, to] = line_span(s, starts, k);
    size_t eq = s.find(" = ", from);
    if (eq == std::string::npos || eq >= to || s[from] == '#' ||
        s.compare(eq + 3, 3, "\"\"\"") == 0)
      continue;
    values.push_back({eq + 3, s[to - 1] == '\n' ? to - 1 : to});
  }
  if (values.empty()) return;
  auto [at, end] = values[rng.below(uint32_t(values.size()))];
  s.replace(at, end - at, kNumbers[rng.below(std::size(kNumbers))]);
}

// Widens a grid row: a number followed by a comma is repeated up to 80 times.
void widen_row(std::string& s, Rng& rng) {
  auto toks = tokens(s);
  std::vector<std::pair<size_t, size_t>> cells;
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (std::isdigit(static_cast<unsigned char>(s[toks[i].first])) && s[toks[i + 1].first] == ',')
      cells.push_back(toks[i]);
  if (cells.empty()) return;
  auto [at, len] = cells[rng.below(uint32_t(cells.size()))];
  std::string cell = s.substr(at, len) + ", ", copies;
  for (uint32_t i = 0, n = 1 + rng.below(80); i < n; ++i) copies += cell;
  s.insert(at, copies);
}

void byte_noise(std::string& s, Rng& rng) {
  if (s.empty()) return;
  uint32_t n = 1 + rng.below(4);
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = rng.below(uint32_t(s.size()));
    char b = char(rng.below(256));
    if (rng.below(2))
      s[at] = b;
    else
      s.insert(s.begin() + long(at), b);
  }
}

std::string mutate(std::string s, Rng& rng) {
  uint32_t count =
      rng.below(2) ? 1 : 2 + rng.below(2);  // mostly one: more cases get past the TOML parser
  for (uint32_t m = 0; m < count; ++m) {
    switch (rng.below(11)) {
      case 0:
        mutate_numbers(s, rng);
        break;
      case 1:
      case 10:
        set_value(s, rng);
        break;
      case 2:
        swap_tokens(s, rng);
        break;
      case 3:
        edit_lines(s, rng, 0);
        break;
      case 4:
        edit_lines(s, rng, 1);
        break;
      case 5:
      case 6:
        edit_lines(s, rng, 2);
        break;
      case 7:
        widen_row(s, rng);
        break;
      case 8:
        byte_noise(s, rng);
        break;
      default:
        s.resize(rng.below(uint32_t(s.size()) + 1));
        break;  // cut short
    }
  }
  return s;
}

bool grid_in_limits(const Grid& g) {
  return g.h >= 1 && g.w >= 1 && g.h <= kMaxLessonGridSide && g.w <= kMaxLessonGridSide &&
         g.c >= 1 && g.c <= kMaxLessonChannels && g.v.size() == size_t(g.h) * g.w * g.c;
}

// A parsed lesson must be inside the limits and step: every step, each op's size text.
void run_parsed(const Lesson& l) {
  REQUIRE(grid_in_limits(l.input));
  REQUIRE(l.ops.size() >= 1);
  REQUIRE(l.ops.size() <= size_t(kMaxLessonOps));
  Stepper st(l);
  for (const Grid& out : st.outputs()) {
    CHECK(grid_in_limits(out));
    for (double v : out.v) CHECK(std::isfinite(v));
  }
  REQUIRE(st.num_steps() >= 1);
  for (int k = 0; k < st.num_steps(); ++k) {  // every step, tape included: the limits keep it small
    Step s = st.step(k);
    REQUIRE(s.op_index == st.op_of_step(k));
    REQUIRE(!s.cells.empty());
    REQUIRE(std::isfinite(s.result));
    REQUIRE(!s.tape.empty());
  }
  for (int op = 0; op < st.num_ops(); ++op) CHECK(!st.output_size(op).text.empty());
  Lesson copy = l;
  CHECK(check_lesson(copy) == "");
}

}  // namespace

TEST_CASE("fuzz: mutated lesson files parse and step within the limits, or fail with file:line") {
  const std::vector<std::string> texts = shipped_lesson_texts();
  REQUIRE(texts.size() >= 2);
  const long long iterations = env_number("CNNLAB_FUZZ_ITERS", 400);
  const uint64_t seed = uint64_t(env_number("CNNLAB_FUZZ_SEED", 20261201));
  const long long only_case = env_number("CNNLAB_FUZZ_CASE", -1);
  // Case seeds of series S start at a scrambled S, so series 1 and 7 share no cases.
  Rng series(seed);
  const uint64_t scrambled = (uint64_t(series.next_u32()) << 32) | series.next_u32();
  const uint64_t first = only_case >= 0 ? uint64_t(only_case) : scrambled;
  long long parsed = 0, refused = 0;
  const long long cases = only_case >= 0 ? 1 : iterations;
  for (long long i = 0; i < cases; ++i) {
    const uint64_t case_seed = first + uint64_t(i);
    Rng rng(case_seed);
    const std::string text = mutate(texts[rng.below(uint32_t(texts.size()))], rng);
    const std::string name = "fuzz_" + std::to_string(case_seed) + ".toml";
    INFO("rerun alone with CNNLAB_FUZZ_CASE=" << case_seed << "; the mutated text:\n" << text);
    try {
      Lesson l = parse_lesson(text, name);
      run_parsed(l);
      ++parsed;
    } catch (const UserError& e) {
      ++refused;
      if (std::getenv("CNNLAB_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", e.reason().c_str());
      CHECK(e.path() == name);
      CHECK(e.line() >= 1);
      CHECK(std::string(e.what()).rfind(name + ":" + std::to_string(e.line()) + ": ", 0) == 0);
    }  // anything else (std::exception, a crash, a sanitizer report) fails the test
  }
  MESSAGE("lesson fuzz: " << cases << " cases of series " << seed << ": " << parsed
                          << " parsed and stepped, " << refused << " refused with file:line");
  CHECK(parsed + refused == cases);
}
