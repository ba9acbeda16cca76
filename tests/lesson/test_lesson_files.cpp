// tests/lesson/test_lesson_files.cpp — every shipped lesson loads and matches; malformed files give
// PATH:LINE errors with hints.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "lesson/lesson.h"
#include "lesson/stepper.h"
#include "test_tmp.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

const std::string kShippedDir = std::string(CNNLAB_SOURCE_DIR) + "/lessons";

// A minimal valid lesson; tests splice one broken piece into it. Line numbers are fixed:
//  1 id, 2 title, 3 text, 4 input, 5 [[ops]], 6 type, 7 kernel, 8 stride, 9 expected
const std::string kIn = "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]";  // 3×3 input of lesson_text

std::string lesson_text(const std::string& input = kIn,
                        const std::string& kernel = "[[1, 0], [0, 1]]",
                        const std::string& stride = "1",
                        const std::string& expected = "[[6, 8], [12, 14]]",
                        const std::string& type = "\"conv\"") {
  return "id = \"t\"\n"
         "title = \"T\"\n"
         "text = \"x\"\n"
         "input = " +
         input +
         "\n"
         "[[ops]]\n"
         "type = " +
         type +
         "\n"
         "kernel = " +
         kernel +
         "\n"
         "stride = " +
         stride +
         "\n"
         "expected = " +
         expected + "\n";
}

// Parses and returns the UserError it must throw.
UserError parse_error(const std::string& text, const std::string& path = "bad.toml") {
  try {
    parse_lesson(text, path);
  } catch (const UserError& e) {
    return e;
  }
  FAIL("expected a UserError for:\n" << text);
  return UserError("", "");
}

void check_error(const UserError& e, int line, const std::string& reason_part) {
  CHECK(e.path() == "bad.toml");
  CHECK(e.line() == line);
  CHECK_MESSAGE(e.reason().find(reason_part) != std::string::npos, std::string(e.what()));
  CHECK_FALSE(e.hint().empty());
  CHECK(std::string(e.what()).rfind("bad.toml:" + std::to_string(line) + ": ", 0) == 0);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("every shipped lesson loads, and its expected outputs match the stepper") {
  LessonLoadResult r = load_lessons(kShippedDir);
  for (const std::string& e : r.errors) FAIL_CHECK(e);
  REQUIRE(r.lessons.size() >= 8);
  for (const Lesson& l : r.lessons) {
    CAPTURE(l.id);
    CHECK_FALSE(l.title.empty());
    CHECK(l.text.size() > 100);
    CHECK(l.expected.size() == l.ops.size());
    std::vector<Grid> out = run_chain(l);
    Stepper st(l);
    for (size_t i = 0; i < l.ops.size(); ++i) {
      if (l.expected[i]) CHECK(*l.expected[i] == out[i]);
      CHECK(st.outputs()[i] == out[i]);
    }
    if (!l.sandbox)
      for (const auto& e : l.expected)
        CHECK(e.has_value());  // non-sandbox lessons promise every output
    for (int k = 0; k < st.num_steps(); ++k) CHECK_FALSE(st.step(k).tape.empty());
  }
  // Sorted by `order`.
  for (size_t i = 1; i < r.lessons.size(); ++i) CHECK(r.lessons[i - 1].order <= r.lessons[i].order);
}

TEST_CASE("lesson ids named by code exist, with the features their lessons promise") {
  LessonLoadResult r = load_lessons(kShippedDir);
  // The app opens course-example-1 first; the others are the lesson set's named topics.
  for (const char* id : {"course-example-1", "course-example-2", "stride-two", "same-padding",
                         "rgb-channels", "pooling-ties", "sandbox", "edge-detector"})
    CHECK_MESSAGE(find_lesson(r.lessons, id) != nullptr, id);
  REQUIRE(find_lesson(r.lessons, "course-example-1"));
  CHECK(r.lessons.front().id == "course-example-1");
  CHECK(find_lesson(r.lessons, "course-example-1")->binary_input);
  const Lesson* rgb = find_lesson(r.lessons, "rgb-channels");
  REQUIRE(rgb);
  CHECK(rgb->input.c == 3);
  CHECK(rgb->channel_names == std::vector<std::string>{"R", "G", "B"});
  CHECK(rgb->ops[0].conv.has_bias);
  bool has_negative = false;
  std::vector<Grid> rgb_out = run_chain(*rgb);
  for (double v : rgb_out[0].v) has_negative |= v < 0;
  CHECK(has_negative);  // so the ReLU matters
  const Lesson* same = find_lesson(r.lessons, "same-padding");
  REQUIRE(same);
  CHECK(same->ops[0].conv.padding == GridPadding::Same);
  CHECK(find_lesson(r.lessons, "sandbox")->sandbox);
  const Lesson* edge = find_lesson(r.lessons, "edge-detector");
  REQUIRE(edge);
  CHECK(edge->ops[0].conv.relu);
  // Output (0,2) sits on the bar's right edge: 3×(-1) + 3×(-1) + 3×(-1) = -9, ReLU → 0.
  Step s = Stepper(*edge).step(2);
  CHECK(s.pre_activation == -9);
  CHECK(s.result == 0);
  CHECK(find_lesson(r.lessons, "no-such-lesson") == nullptr);
}

TEST_CASE("the course's example values are what the shipped files promise") {
  LessonLoadResult r = load_lessons(kShippedDir);
  const Lesson* a = find_lesson(r.lessons, "course-example-1");
  const Lesson* b = find_lesson(r.lessons, "course-example-2");
  REQUIRE(a);
  REQUIRE(b);
  std::vector<Grid> oa = run_chain(*a), ob = run_chain(*b);
  CHECK(format_grid(oa[0]) == "1 1 2 0\n1 3 0 0\n2 0 0 3\n0 0 3 0\n");
  CHECK(format_grid(oa[1]) == "3 2\n2 3\n");
  CHECK(format_grid(ob[0]) == "1 1 1 1\n0 1 1 2\n1 1 3 0\n0 2 0 0\n");
  CHECK(format_grid(ob[1]) == "1 2\n2 3\n");
}

TEST_CASE("a valid lesson text parses with defaults") {
  Lesson l = parse_lesson(lesson_text(), "ok.toml");
  CHECK(l.id == "t");
  CHECK(l.source_path == "ok.toml");
  CHECK(l.order == 1000);
  CHECK(l.tie_rule == kDefaultTieRule);
  CHECK(l.ops[0].label == "2×2 conv, stride 1, valid");
  CHECK(l.ops[0].source_line == 5);
}

TEST_CASE("padding forms: number, table, same") {
  std::string base =
      "id = \"p\"\ntitle = \"P\"\ntext = \"x\"\ninput = [[1, 2], [3, 4]]\n[[ops]]\ntype = "
      "\"conv\"\nkernel = [[1]]\n";
  Lesson a = parse_lesson(base + "padding = 1\n", "p.toml");
  CHECK(a.ops[0].conv.pad_top == 1);
  CHECK(a.ops[0].conv.pad_right == 1);
  CHECK(run_chain(a)[0].h == 4);
  // A 1×2 kernel: pads are at most the kernel's size on their axis (top/bottom ≤ 1, left/right ≤
  // 2).
  std::string wide = base.substr(0, base.find("kernel = ")) + "kernel = [[1, 1]]\n";
  Lesson b = parse_lesson(wide + "padding = {top = 1, right = 2}\n", "p.toml");
  CHECK(b.ops[0].conv.pad_top == 1);
  CHECK(b.ops[0].conv.pad_bottom == 0);
  CHECK(b.ops[0].conv.pad_right == 2);
  CHECK(run_chain(b)[0].w == 3);  // 2 + 0 + 2 − 2 + 1
  check_error(parse_error(base + "padding = \"full\"\n"), 8, "unknown padding");
  check_error(parse_error(base + "padding = -1\n"), 8, "padding must be 0 or more");
}

TEST_CASE("malformed lessons: each problem names the file and the line") {
  SUBCASE("bad TOML syntax") {
    check_error(parse_error("id = \"t\"\ntitle = \"T\nx = 1\n"), 2, "TOML syntax error");
  }
  SUBCASE("missing key") {
    UserError e = parse_error("id = \"t\"\ntext = \"x\"\ninput = [[1]]\n");
    CHECK(e.reason() == "missing key 'title'");
    CHECK(e.line() >= 1);
    UserError k = parse_error(
        "id = \"t\"\ntitle = \"T\"\ntext = \"x\"\ninput = [[1]]\n\n[[ops]]\ntype = \"conv\"\n");
    check_error(k, 6, "missing key 'kernel' in op 1");
    check_error(parse_error("id = \"t\"\ntitle = \"T\"\ntext = \"x\"\ninput = [[1]]\n"), 1,
                "missing key 'ops'");
  }
  SUBCASE("ragged grid") {
    check_error(parse_error(lesson_text("[[1, 2, 3],\n [4, 5],\n [7, 8, 9]]")), 5,
                "input is ragged: row 2 has 2 numbers but row 1 has 3");
  }
  SUBCASE("kernel larger than the padded input") {
    check_error(parse_error(lesson_text("[[1, 2], [3, 4]]", "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]")),
                5, "kernel 3×3 is larger than the padded input 2×2");
  }
  SUBCASE("stride 0 or negative") {
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "0")), 8,
                "stride must be 1 or more, not 0");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "-2")), 8,
                "stride must be 1 or more, not -2");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "1.5")), 8,
                "stride must be a whole number");
  }
  SUBCASE("non-numbers") {
    check_error(parse_error(lesson_text("[[1, 2, 3], [4, \"five\", 6], [7, 8, 9]]")), 4,
                "input row 2 value 2 must be a number, not a string");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, true]]")), 7,
                "kernel row 2 value 2 must be a number");
  }
  SUBCASE("wrong channel counts") {
    // A 2-channel kernel on a 1-channel input.
    check_error(parse_error(lesson_text(kIn, "[[[1, 0], [0, 1]], [[1, 1], [1, 1]]]")), 7,
                "the kernel has 2 channel(s) but its input has 1");
    // Channels of different sizes.
    check_error(parse_error(lesson_text("[[[1, 2], [3, 4]],\n [[1, 2, 3], [4, 5, 6]]]")), 5,
                "input channel 2 is 2×3 but channel 1 is 2×2");
    // channel_names count.
    check_error(parse_error("channel_names = [\"R\", \"G\"]\n" + lesson_text()), 1,
                "channel_names needs one name per input channel");
  }
  SUBCASE("unknown op type and unknown keys") {
    check_error(
        parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "1", "[[6, 8], [12, 14]]", "\"avgpool\"")),
        6, "unknown op type \"avgpool\"");
    check_error(parse_error(lesson_text() + "strid = 2\n"), 10, "unknown key 'strid' in op 1");
    check_error(parse_error("colour = 1\n" + lesson_text()), 1, "unknown key 'colour'");
  }
  SUBCASE("expected output that does not match") {
    UserError e = parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "1", "[[6, 8], [12, 15]]"));
    check_error(e, 9,
                "expected output of op 1 does not match: row 2, column 2 says 15 but the "
                "computation gives 14");
    CHECK(e.hint() == "the computed output is [[6, 8], [12, 14]]");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "1", "[[6, 8, 0]]")), 9,
                "it is 1×3×1 but the output is 2×2×1");
  }
  SUBCASE("binary input holding other values") {
    check_error(parse_error("binary_input = true\n" + lesson_text()), 5,
                "binary_input is true but the input holds 2");
  }
}

TEST_CASE("lesson limits: out-of-range numbers and oversized grids name the file and the line") {
  SUBCASE("integers are range-checked, never truncated") {
    // 4294967297 = 2³² + 1 used to become stride 1; 2³¹ used to overflow.
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "4294967297")), 8,
                "stride must be at most 64, not 4294967297 in op 1");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "2147483648")), 8,
                "stride must be at most 64, not 2147483648");
    check_error(parse_error(lesson_text(kIn, "[[1, 0], [0, 1]]", "65")), 8,
                "stride must be at most 64, not 65");
    check_error(parse_error("order = 99999999999\n" + lesson_text()), 1,
                "order must be at most 1000000, not 99999999999");
    std::string pool =
        "id = \"p\"\ntitle = \"P\"\ntext = \"x\"\ninput = [[1, 2], [3, 4]]\n[[ops]]\ntype = "
        "\"maxpool\"\n";
    check_error(parse_error(pool + "size = 9223372036854775807\n"), 7,
                "pool size must be at most 64, not 9223372036854775807");
    check_error(parse_error(pool + "stride = -4294967295\n"), 7,
                "stride must be 1 or more, not -4294967295");
  }
  SUBCASE("padding is at most the kernel's size") {
    // padding = 5000 made `cnnlab lessons` take 6 s and 0.8 GB; near 2³¹ it overflowed.
    check_error(parse_error(lesson_text() + "padding = 5000\n"), 10,
                "padding must be at most 2, not 5000 in op 1");
    check_error(parse_error(lesson_text() + "padding = 2147483647\n"), 10,
                "padding must be at most 2, not 2147483647");
    check_error(parse_error(lesson_text() + "padding = -2147483649\n"), 10,
                "padding must be 0 or more, not -2147483649");
    check_error(parse_error(lesson_text() + "padding = {top = 1, left = 3}\n"), 10,
                "padding.left must be at most 2, not 3");
    Lesson ok =
        parse_lesson(lesson_text(kIn, "[[1, 0], [0, 1]]", "1",
                                 "[[0, 0, 0, 0], [0, 1, 2, 3], [0, 4, 6, 8], [0, 7, 12, 14]]") +
                         "padding = {top = 2, left = 2}\n",
                     "ok.toml");
    CHECK(ok.ops[0].conv.pad_top == 2);
  }
  SUBCASE("grids are at most 64×64×16, checked before they are built") {
    auto row = [](int n) {
      std::string r = "[0";
      for (int i = 1; i < n; ++i) r += ", 0";
      return r + "]";
    };
    check_error(parse_error(lesson_text("[" + row(65) + "]")), 4,
                "input row 1 has 65 numbers; a lesson grid has at most 64");
    std::string tall = "[" + row(2);
    for (int i = 1; i < 65; ++i) tall += ", " + row(2);
    check_error(parse_error(lesson_text(tall + "]")), 4,
                "input has 65 rows; a lesson grid has at most 64");
    std::string deep = "[[[1]]";
    for (int i = 1; i < 17; ++i) deep += ", [[1]]";
    check_error(parse_error(lesson_text(deep + "]", "[[1]]")), 4,
                "input has 17 channels; a lesson grid has at most 16");
    std::string kernels = "[[[1]]";
    for (int i = 1; i < 17; ++i) kernels += ", [[1]]";
    std::string many =
        "id = \"k\"\ntitle = \"K\"\ntext = \"x\"\ninput = [[1]]\n[[ops]]\ntype = \"conv\"\nkernels "
        "= " +
        kernels + "]\n";
    check_error(parse_error(many), 7, "kernels has 17 kernels; a conv has at most 16 in op 1");
  }
  SUBCASE("outputs, ops and the chain's work are bounded") {
    auto square = [](int n) {
      std::string g = "[";
      for (int y = 0; y < n; ++y) {
        g += y ? ", [0" : "[0";
        for (int x = 1; x < n; ++x) g += ", 0";
        g += "]";
      }
      return g + "]";
    };
    std::string head = "id = \"g\"\ntitle = \"G\"\ntext = \"x\"\ninput = " + square(64) + "\n";
    check_error(parse_error(head + "[[ops]]\ntype = \"conv\"\nkernel = [[1]]\npadding = 1\n"), 5,
                "the output would be 66×66; a lesson grid has at most 64×64 in op 1");
    std::string ops;
    for (int i = 0; i < 17; ++i) ops += "[[ops]]\ntype = \"relu\"\n";
    check_error(parse_error(head + ops), 5 + 2 * 16,
                "a lesson has at most 16 ops, this one has 17");
    // 16 kernels of 10×10 on 64×64, valid: 55·55 outputs × 16 × 100 weights = 4840000 > 2²² =
    // 4194304.
    std::string k10 = square(10), kernels = "[" + k10;
    for (int i = 1; i < 16; ++i) kernels += ", " + k10;
    check_error(parse_error(head + "[[ops]]\ntype = \"conv\"\nkernels = " + kernels + "]\n"), 5,
                "the ops up to this one need 4840000 multiplications; a lesson is limited to "
                "4194304 in op 1");
  }
  SUBCASE("an output that overflows to inf is an error even when an expected grid is given") {
    // 1e200 × 1e200 = inf; the expected check used to pass because |1 − inf| > 1e-9·inf is false.
    check_error(parse_error(lesson_text("[[1e200]]", "[[1e200]]", "1", "[[1]]")), 5,
                "the output of op 1 overflows: row 1, column 1 is inf");
    // inf − inf = NaN.
    check_error(parse_error(lesson_text("[[1e200, 1e200]]", "[[1e200, -1e200]]", "1", "[[1]]")), 5,
                "the output of op 1 overflows: row 1, column 1 is nan");
  }
  SUBCASE("a lesson text over 1 MiB is refused before parsing") {
    std::string text = lesson_text() + "# " + std::string(kMaxLessonFileBytes, 'x') + "\n";
    check_error(parse_error(text), 1,
                "lesson file too large: " + std::to_string(text.size()) + " bytes (limit 1048576)");
  }
}

TEST_CASE("the malformed-lesson fixtures report their file and line") {
  const std::string bad = std::string(CNNLAB_SOURCE_DIR) + "/tests/lesson/data/bad";
  LessonLoadResult r = load_lessons(bad);
  REQUIRE(r.lessons.size() == 1);
  CHECK(r.lessons[0].id == "still-loads");
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0] == bad +
                           "/padding_huge.toml:10: padding must be at most 2, not 5000 in op 1 "
                           "(hint: e.g. padding = 1 adds one "
                           "ring of zeros; padding is at most the kernel's size)");
  CHECK(r.errors[1] == bad +
                           "/stride_wraps.toml:9: stride must be at most 64, not 4294967297 in op "
                           "1 (hint: stride = 1 moves the "
                           "window one cell at a time)");
  CHECK(r.errors[2] == bad +
                           "/stride_zero.toml:9: stride must be 1 or more, not 0 in op 1 (hint: "
                           "stride = 1 moves the window one "
                           "cell at a time)");
}

TEST_CASE(
    "load_lessons: a FIFO, a link to /dev/zero and an oversized file are refused at once, with a "
    "message") {
  cnnlab::test::TempDir dir("lesson_special");
  write_text(dir / "a_good.toml", lesson_text());
  REQUIRE(mkfifo((dir / "b_fifo.toml").c_str(), 0600) == 0);  // reading it would block forever
  fs::create_symlink("/dev/zero", dir / "c_zero.toml");       // reading it would never end
  write_text(dir / "d_huge.toml", lesson_text());
  fs::resize_file(dir / "d_huge.toml", kMaxLessonFileBytes + 1);  // sparse
  fs::create_directory(dir / "e_folder.toml");
  LessonLoadResult r = load_lessons(dir.path().string());
  REQUIRE(r.lessons.size() == 1);
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0] == dir / "b_fifo.toml" +
                           ": is a FIFO (named pipe), not a regular file (hint: only regular files "
                           "are read; remove it or point at the real file)");
  CHECK(r.errors[1].find(dir / "c_zero.toml" + ": is a character device, not a regular file") == 0);
  CHECK(r.errors[2] ==
        dir / "d_huge.toml" +
            ": file too large: 1.0 MiB (limit 1.0 MiB) (hint: is this the right file?)");
  CHECK(r.errors[3] == dir / "e_folder.toml" + ": is a folder, not a file");
}

TEST_CASE("load_lessons: bad files go to errors, the others still load") {
  cnnlab::test::TempDir dir("lesson_load");
  write_text(dir / "a_good.toml", lesson_text());
  write_text(dir / "b_bad.toml", lesson_text(kIn, "[[1, 0], [0, 1]]", "0"));
  write_text(dir / "c_dup.toml", lesson_text());
  write_text(dir / "notes.txt", "not a lesson");
  LessonLoadResult r = load_lessons(dir.path().string());
  REQUIRE(r.lessons.size() == 1);
  CHECK(r.lessons[0].id == "t");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].find("b_bad.toml:8: stride must be 1 or more") != std::string::npos);
  CHECK(r.errors[1].find("c_dup.toml:1: duplicate lesson id \"t\"") != std::string::npos);

  LessonLoadResult missing = load_lessons(dir / "nope");
  CHECK(missing.lessons.empty());
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].find("nope") != std::string::npos);
}

TEST_CASE("default_lesson_dir: $CNNLAB_LESSONS wins, else the source tree") {
  const char* old = std::getenv("CNNLAB_LESSONS");
  std::string saved = old ? old : "";
  setenv("CNNLAB_LESSONS", "/some/where", 1);
  CHECK(default_lesson_dir() == "/some/where");
  unsetenv("CNNLAB_LESSONS");
  CHECK(default_lesson_dir() == CNNLAB_LESSON_DIR);
  if (old) setenv("CNNLAB_LESSONS", saved.c_str(), 1);
}
