// tests/nn/test_serialize.cpp — checkpoints as strict as safetensors (issue 7: items 1, 2, 4, 10,
// 11): model configs the tools cannot feed, layout rules, non-finite weights, name lists, memory.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "test_tmp.h"

using namespace cnnlab;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A saved tiny 12×12 model (conv 4@3x3, pool, dense 2: 108 + 4 + 288 + 2 weights) and its parts.
struct Checkpoint {
  std::string bytes, header, data;
  uint64_t n = 0;
  explicit Checkpoint(const std::string& path) {
    Model m = build_preset("tiny", 12, 2);
    m.allocate(1);
    m.init(1);
    save_safetensors(path, m, {{"note", "x"}});
    bytes = read_bytes(path);
    std::memcpy(&n, bytes.data(), 8);
    header = bytes.substr(8, n);
    data = bytes.substr(8 + n);
  }
  // The file with `from` replaced by `to` in the header (length prefix fixed).
  std::string edit(const std::string& from, const std::string& to) const {
    std::string h = header;
    size_t pos = h.find(from);
    REQUIRE_MESSAGE(pos != std::string::npos, from);
    h.replace(pos, from.size(), to);
    return with_length(h.size(), h + data);
  }
  static std::string with_length(uint64_t len, const std::string& rest) {
    return std::string(reinterpret_cast<const char*>(&len), 8) + rest;
  }
};

// The UserError's reason from loading `bytes`, or "" if it loaded.
std::string load_error(const test::TempDir& dir, const std::string& bytes) {
  const std::string path = dir / "case.safetensors";
  write_bytes(path, bytes);
  try {
    load_safetensors(path, 1, false);
    return "";
  } catch (const UserError& e) {
    CHECK(e.path() == path);
    return e.reason();
  }
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

// Item 1 (predict fed h·w·3 floats to a 4-channel model) and item 2 (evaluate asserted on a
// non-square input, "32,32,3" -> "33,32,3"): the config check refuses both, naming the file.
TEST_CASE("checkpoint configs the tools cannot feed are refused") {
  test::TempDir dir("ser");
  Checkpoint c(dir / "good.safetensors");
  CHECK(load_error(dir, c.bytes) == "");
  const std::string four =
      load_error(dir, c.edit("\"cnnlab.input\":\"12,12,3\"", "\"cnnlab.input\":\"12,12,4\""));
  CHECK_MESSAGE(contains(four, "4 channels; images are fed as RGB (3)"), four);
  const std::string wide =
      load_error(dir, c.edit("\"cnnlab.input\":\"12,12,3\"", "\"cnnlab.input\":\"13,12,3\""));
  CHECK_MESSAGE(contains(wide, "13x12x3 is not square"), wide);
  const std::string small =
      load_error(dir, c.edit("\"cnnlab.input\":\"12,12,3\"", "\"cnnlab.input\":\"4,4,3\""));
  CHECK_MESSAGE(contains(small, "image size 4 is out of range"), small);
  const std::string junk =
      load_error(dir, c.edit("\"cnnlab.input\":\"12,12,3\"", "\"cnnlab.input\":\"12,12,3x\""));
  CHECK_MESSAGE(contains(junk, "bad cnnlab.input '12,12,3x'"), junk);
  // One class: the loss and the tools need two or more.
  const std::string one = load_error(dir, c.edit("\\\"units\\\": 2", "\\\"units\\\": 1"));
  CHECK_MESSAGE(contains(one, "1 classes"), one);
}

// Item 11: `summary --image-size 100000` overflowed Flatten's int size.
TEST_CASE("model sizes past the limits are user errors, not overflows") {
  CHECK_THROWS_WITH_AS(build_preset("course", 100000, 5),
                       doctest::Contains("image size 100000 is out of range"), UserError);
  CHECK_THROWS_AS(build_preset("course", 7, 5), UserError);
  CHECK_NOTHROW(build_preset("tiny", kMaxImageSize, 2));
  // 2048×2048×65536 floats per image does not fit an int: refused when the layer is added.
  Model m(kMaxImageSize, kMaxImageSize, 3);
  CHECK_THROWS_WITH_AS(m.conv2d(65536, 3), doctest::Contains("would output 274877906944 values"),
                       UserError);
}

// Item 4: a mapping the system refuses was an assert (abort); now the out-of-memory message.
TEST_CASE("an allocation the system refuses is an out-of-memory user error") {
  // 2048·2048·3 inputs × 2^24 units = 2.1e14 weights: 844 TB, more than any address space maps.
  Model m(kMaxImageSize, kMaxImageSize, 3);
  m.flatten().dense(1 << 24, Activation::Softmax);
  CHECK_THROWS_WITH_AS(m.allocate(1, false), doctest::Contains("out of memory"), UserError);
  CHECK_FALSE(m.allocated());
  CHECK(m.params() == nullptr);
}

TEST_CASE("loading refuses a batch that needs more memory than is available") {
  test::TempDir dir("ser");
  Checkpoint c(dir / "good.safetensors");
  // 2^28 samples of the tiny model's activations: terabytes, more than any test machine has free.
  try {
    load_safetensors(dir / "good.safetensors", 1 << 28, false);
    FAIL("no memory error");
  } catch (const UserError& e) {
    CHECK_MESSAGE(contains(e.reason(), "of memory is available"), e.what());
  }
}

// Item 10: what safetensors' own loader refuses, we refuse.
TEST_CASE("safetensors layout rules: header length, offsets, coverage, duplicates, UTF-8") {
  test::TempDir dir("ser");
  Checkpoint c(dir / "good.safetensors");
  // Header length off by one either way (on a header padded with 8 spaces, which loads as is): the
  // data is misaligned by a byte, which used to give NaN predictions.
  const std::string padded = c.header + std::string(8, ' ');
  CHECK(load_error(dir, Checkpoint::with_length(c.n + 8, padded + c.data)) == "");
  const std::string shorter = load_error(dir, Checkpoint::with_length(c.n + 7, padded + c.data));
  CHECK_MESSAGE(contains(shorter, "1 bytes no tensor covers"), shorter);
  const std::string longer = load_error(dir, Checkpoint::with_length(c.n + 9, padded + c.data));
  CHECK_MESSAGE(longer != "", "length + 1 loaded");
  // Trailing bytes after the last tensor.
  const std::string trailing = load_error(dir, c.bytes + std::string(4, '\0'));
  CHECK_MESSAGE(contains(trailing, "4 bytes no tensor covers"), trailing);
  // conv2d/kernel is [0,432], conv2d/bias [432,448]: overlap the bias with the kernel, and leave a
  // gap.
  REQUIRE(contains(c.header, "\"data_offsets\":[432,448]"));
  const std::string overlap =
      load_error(dir, c.edit("\"data_offsets\":[432,448]", "\"data_offsets\":[428,444]"));
  CHECK_MESSAGE(contains(overlap, "overlapping or non-contiguous"), overlap);
  const std::string gap =
      load_error(dir, c.edit("\"data_offsets\":[432,448]", "\"data_offsets\":[436,452]"));
  CHECK_MESSAGE(contains(gap, "overlapping or non-contiguous"), gap);
  // Offsets that do not match the shape's size.
  const std::string size =
      load_error(dir, c.edit("\"data_offsets\":[432,448]", "\"data_offsets\":[432,452]"));
  CHECK_MESSAGE(contains(size, "has 20 bytes of data for its shape [4]"), size);
  // The same key twice (a JSON parser keeping the last would hide it).
  const std::string dup =
      load_error(dir, c.edit("\"note\":\"x\"", "\"note\":\"x\",\"note\":\"y\""));
  CHECK_MESSAGE(contains(dup, "duplicate key \"note\""), dup);
  // Invalid UTF-8 in a string, and a header that does not start with '{'.
  const std::string utf8 = load_error(dir, c.edit("\"note\":\"x\"", "\"note\":\"\xff\""));
  CHECK_MESSAGE(contains(utf8, "not valid JSON"), utf8);
  const std::string start = load_error(dir, c.edit("{", " {"));
  CHECK_MESSAGE(contains(start, "does not start with '{'"), start);
  // Other dtypes and unknown fields.
  const std::string dtype = load_error(dir, c.edit("\"dtype\":\"F32\"", "\"dtype\":\"F16\""));
  CHECK_MESSAGE(contains(dtype, "is not F32"), dtype);
  const std::string field =
      load_error(dir, c.edit("\"dtype\":\"F32\"", "\"dtype\":\"F32\",\"x\":1"));
  CHECK_MESSAGE(contains(field, "unknown field 'x'"), field);
}

TEST_CASE("non-finite weights are refused, and a weights-only load leaves the model intact") {
  test::TempDir dir("ser");
  Checkpoint c(dir / "good.safetensors");
  std::string nan = c.bytes;
  const float q = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  std::memcpy(&nan[8 + c.n + 4 * 5], &q, 4);  // conv2d/kernel[5]
  const std::string e1 = load_error(dir, nan);
  CHECK_MESSAGE(contains(e1, "tensor 'conv2d/kernel' holds a non-finite value (nan) at index 5"),
                e1);
  std::string big = c.bytes;
  std::memcpy(&big[big.size() - 4], &inf, 4);  // dense/bias[1]
  const std::string e2 = load_error(dir, big);
  CHECK_MESSAGE(contains(e2, "tensor 'dense/bias' holds a non-finite value (inf) at index 1"), e2);

  Model live = build_preset("tiny", 12, 2);
  live.allocate(1);
  live.init(7);
  const std::vector<float> before(live.params(), live.params() + live.num_params());
  write_bytes(dir / "big.safetensors", big);
  CHECK_THROWS_AS(load_safetensors_weights(dir / "big.safetensors", live), UserError);
  CHECK(std::vector<float>(live.params(), live.params() + live.num_params()) == before);
}

// Class names are folder names: any bytes. train must write what evaluate and predict read back.
TEST_CASE("name lists round-trip any bytes through a valid UTF-8 header") {
  const std::vector<std::string> names = {
      "daisy",     "two\nlines", "\xff\xfe raw",           "50%",      "%41",
      "Löwenzahn", "",           "\xed\xa0\x80 surrogate", "tab\there"};
  const std::string text = encode_name_list(names);
  CHECK(text ==
        "[\"daisy\",\"two\\nlines\",\"%FF%FE raw\",\"50%25\",\"%2541\",\"L\xc3\xb6wenzahn\",\"\","
        "\"%ED%A0%80 surrogate\",\"tab\\there\"]");
  CHECK(decode_name_list(text) == names);
  CHECK(decode_name_list("daisy\nrose") ==
        std::vector<std::string>{"daisy", "rose"});  // first format
  CHECK_THROWS(decode_name_list("[\"%4\"]"));
  CHECK_THROWS(decode_name_list("[1]"));

  test::TempDir dir("ser");
  Model m = build_preset("tiny", 12, static_cast<int>(names.size()));
  m.allocate(1);
  m.init(1);
  save_safetensors(dir / "names.safetensors", m, {{"cnnlab.class_names", text}});
  LoadedModel l = load_safetensors(dir / "names.safetensors", 1, false);
  CHECK(decode_name_list(l.metadata.at("cnnlab.class_names")) == names);
  // Raw bytes that are not UTF-8 cannot go into the header unencoded: a clear error, no file.
  CHECK_THROWS_WITH_AS(save_safetensors(dir / "raw.safetensors", m, {{"k", "\xff"}}),
                       doctest::Contains("not valid UTF-8"), UserError);
  CHECK_FALSE(std::ifstream(dir / "raw.safetensors").good());
}
