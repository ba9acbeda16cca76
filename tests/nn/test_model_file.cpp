// tests/nn/test_model_file.cpp — model files (models/*.toml) and the regularising layers inside the
// Model: presets as files, file:line errors, checkpoints with BatchNorm, training vs inference, L2.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "nn/model.h"
#include "nn/model_file.h"
#include "nn/serialize.h"
#include "test_tmp.h"

using namespace cnnlab;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string fixture(const std::string& name) {
  return std::string(CNNLAB_SOURCE_DIR) + "/tests/nn/data/" + name;
}

// Synthetic 8×8 RGB images, two classes: class 0 reddish, class 1 bluish (labels survive flips and
// brightness), plus noise, in [-1, 1] (pixels scaled with mean 0.5, std 0.5). (n, 8, 8, 3) floats
// and labels.
void synthetic(int n, std::vector<float>& x, std::vector<int>& y, uint64_t seed) {
  Rng rng(seed);
  x.assign(size_t(n) * 8 * 8 * 3, 0.0f);
  y.assign(size_t(n), 0);
  for (int k = 0; k < n; ++k) {
    y[size_t(k)] = k % 2;
    for (int h = 0; h < 8; ++h)
      for (int w = 0; w < 8; ++w)
        for (int c = 0; c < 3; ++c) {
          const bool lit = c == (y[size_t(k)] == 0 ? 0 : 2) || (c == 1 && (h + w) % 3 == 0);
          x[((size_t(k) * 8 + h) * 8 + w) * 3 + c] =
              (lit ? 0.75f : -0.75f) + rng.uniform(-0.25f, 0.25f);
        }
  }
}

Model regularised_tiny(int classes = 2) {
  Model m = load_model_file(fixture("regularised_tiny.toml"), 0, classes);
  m.set_input_scaling(0.5f, 0.5f);  // as synthetic(): RandomBrightness's [0, 255] is [-1, 1]
  return m;
}

}  // namespace

TEST_CASE("preset files give today's presets: same summary text and parameter counts") {
  Model course = build_preset("course", 299, 5);
  CHECK(course.num_params() == 350586533);
  CHECK(course.summary_table() ==
        read_text(std::string(CNNLAB_SOURCE_DIR) + "/tests/app/golden/summary_course.txt"));
  CHECK(course.summary_table() == course_model(299, 5).summary_table());
  CHECK(course.preset_name == "course");
  // small and tiny as the code built them before they were files.
  Model small_code(64, 64, 3);
  small_code.conv2d(8, 5, Activation::Relu, Padding::Same).maxpool2d(2);
  small_code.conv2d(16, 3, Activation::Relu, Padding::Same).maxpool2d(2);
  small_code.flatten().dense(64, Activation::Relu).dense(5, Activation::Softmax);
  Model small = build_preset("small", 64, 5);
  CHECK(small.summary_table() == small_code.summary_table());
  CHECK(small.num_params() == 264309);  // 608 + 1168 + 262208 + 325
  Model tiny_code(32, 32, 3);
  tiny_code.conv2d(4, 3, Activation::Relu, Padding::Same).maxpool2d(2);
  tiny_code.flatten().dense(3, Activation::Softmax);
  CHECK(build_preset("tiny", 32, 3).summary_table() == tiny_code.summary_table());
  // The new presets, against their golden tables.
  for (const char* name : {"small", "tiny", "compact", "course-regularised"}) {
    const std::string golden =
        std::string(CNNLAB_SOURCE_DIR) + "/tests/app/golden/summary_" + name + ".txt";
    const int size = model_file_image_size(model_file_path(name));
    CHECK_MESSAGE(build_preset(name, size, 5).summary_table() == read_text(golden), name);
  }
  CHECK(build_preset("course-regularised", 299, 5).num_params() == 350586533);
  const std::vector<std::string> names = preset_names();
  REQUIRE(names.size() >= 5);
  CHECK(names[0] == "course");
  CHECK(names[1] == "small");
  CHECK(names[2] == "tiny");
}

TEST_CASE("BatchNormalization counts 4·C parameters, 2·C of them non-trainable, as Keras prints") {
  Model m = build_preset("compact", 192, 5);
  // conv 32: 896, BN 128; conv 64: 18496, BN 256; conv 128: 73856, BN 512; conv 256: 295168,
  // BN 1024; dense 5: 1285.
  CHECK(m.num_params() == 896 + 128 + 18496 + 256 + 73856 + 512 + 295168 + 1024 + 1285);
  CHECK(m.num_params() - m.num_trainable_params() == 2 * (32 + 64 + 128 + 256));
  const std::string s = m.summary_table();
  CHECK(s.find("Total params: 391,621\n") != std::string::npos);
  CHECK(s.find("Trainable params: 390,661\n") != std::string::npos);
  CHECK(s.find("Non-trainable params: 960\n") != std::string::npos);
  CHECK(s.find(" batch_normalization (BatchN  (None, 96, 96, 32)       128") != std::string::npos);
  CHECK(s.find(" global_average_pooling2d (G  (None, 256)              0") != std::string::npos);
  CHECK(m.layers()[7].bn_momentum == 0.9f);  // input, 4 augmentation layers, pool, conv, BN
}

TEST_CASE("malformed model files are user errors naming the file and the line") {
  struct Case {
    const char* file;
    int line;
    const char* reason;
  };
  const Case cases[] = {
      {"bad_unknown_layer.toml", 8, "unknown layer type \"LSTM\""},
      {"bad_unknown_argument.toml", 6, "unknown argument 'kernal_size' for Conv2D"},
      {"bad_negative_shape.toml", 16, "does not fit its 3x3 input"},
      {"bad_too_big.toml", 7, "of memory is available"},
      {"bad_syntax.toml", 4, "TOML syntax error"},
      {"bad_augment_order.toml", 8, "RandomFlip after a Conv2D layer"},
      {"bad_dropout_rate.toml", 7, "Dropout rate must be below 1"},
      {"bad_softmax_middle.toml", 6, "softmax is allowed only on the last layer"},
      {"bad_zoom_factor.toml", 4, "RandomZoom: "},
  };
  for (const Case& c : cases) {
    const std::string path = fixture(c.file);
    try {
      (void)load_model_file(path, 0, 3);
      FAIL("no error for " << c.file);
    } catch (const UserError& e) {
      CHECK_MESSAGE(e.path() == path, e.what());
      CHECK_MESSAGE(e.line() == c.line, e.what());
      CHECK_MESSAGE(e.reason().find(c.reason) != std::string::npos, e.what());
    }
  }
  CHECK_THROWS_WITH_AS(
      model_from_toml("image_size = 16\n[[layer]]\ntype = \"Flatten\"\n[[layer]]\n"
                      "type = \"Dense\"\nunits = 4\nactivation = \"softmax\"\n",
                      "m.toml", 0, 3),
      doctest::Contains("m.toml:5: the last Dense layer has 4 units but the data has 3"),
      UserError);
  CHECK_THROWS_WITH_AS(build_preset("no-such-model", 32, 3),
                       doctest::Contains("unknown model preset"), UserError);
}

TEST_CASE("a model written back as a file rebuilds the same model") {
  for (const char* name : {"compact", "course-regularised", "tiny"}) {
    Model m = build_preset(name, 64, 4);
    const std::string text = model_to_toml(m);
    Model again = model_from_toml(text, "again.toml", 0, 0);
    CHECK_MESSAGE(again.summary_table() == m.summary_table(), name);
    CHECK(model_to_toml(again) == text);
    CHECK(again.preset_name == name);
  }
}

TEST_CASE("Dropout and BatchNorm: inference is deterministic and differs from training") {
  Model m = regularised_tiny();
  m.allocate(8);
  m.init(7);
  std::vector<float> x, p1(16), p2(16), pt(16);
  std::vector<int> y;
  synthetic(8, x, y, 3);
  m.forward(x.data(), 8, p1.data());
  m.forward(x.data(), 8, p2.data());
  CHECK(std::memcmp(p1.data(), p2.data(), p1.size() * sizeof(float)) == 0);
  // Inference: augmentation is the identity (layer 1 and 2 copy the input).
  CHECK(std::memcmp(m.activation(2), x.data(), x.size() * sizeof(float)) == 0);
  m.step_seed = 11;
  m.forward_backward(x.data(), y.data(), 8, pt.data());
  CHECK(std::memcmp(p1.data(), pt.data(), p1.size() * sizeof(float)) != 0);
  CHECK(std::memcmp(m.activation(2), x.data(), x.size() * sizeof(float)) != 0);  // augmented
  // The same seed and step give the same training pass.
  std::vector<float> pt2(16);
  m.forward_backward(x.data(), y.data(), 8, pt2.data());
  CHECK(std::memcmp(pt.data(), pt2.data(), pt.size() * sizeof(float)) == 0);
  // A training pass moved BatchNorm's moving mean away from 0; inference does not move it.
  const LayerInfo& bn = m.layers()[4];
  REQUIRE(bn.kind == LayerKind::BatchNorm);
  const std::vector<float> moving(m.params() + bn.state_offset, m.params() + bn.state_offset + 8);
  CHECK(moving[0] != 0.0f);
  m.forward(x.data(), 8, p1.data());
  CHECK(std::memcmp(moving.data(), m.params() + bn.state_offset, 8 * sizeof(float)) == 0);
}

TEST_CASE("a tiny model with augmentation, BatchNorm, Dropout and L2 learns: its loss goes down") {
  Model m = regularised_tiny();
  m.allocate(16);
  m.init(5);
  m.adam.lr = 0.01f;
  std::vector<float> x;
  std::vector<int> y;
  synthetic(16, x, y, 9);
  const float before = m.forward(x.data(), 16, nullptr, y.data());
  for (int step = 0; step < 40; ++step) {
    m.step_seed = uint64_t(step);
    m.train_step(x.data(), y.data(), 16);
  }
  const float after = m.forward(x.data(), 16, nullptr, y.data());
  CHECK_MESSAGE(after < 0.5f * before, "loss " << before << " -> " << after);
}

TEST_CASE("L2: the loss gains l2·Σw² and the kernel's gradient 2·l2·w") {
  const char* base =
      "image_size = 8\n[[layer]]\ntype = \"Flatten\"\n[[layer]]\ntype = \"Dense\"\nunits = 2\n"
      "activation = \"softmax\"\n";
  Model plain = model_from_toml(base, "plain.toml", 0, 2);
  Model reg =
      model_from_toml(std::string(base) + "kernel_regularizer = { l2 = 0.5 }\n", "l2.toml", 0, 2);
  for (Model* m : {&plain, &reg}) {
    m->allocate(4);
    m->init(3);
  }
  std::vector<float> x;
  std::vector<int> y;
  synthetic(4, x, y, 1);
  const float lp = plain.forward_backward(x.data(), y.data(), 4);
  const float lr = reg.forward_backward(x.data(), y.data(), 4);
  const LayerInfo& d = reg.layers()[2];
  double sum = 0;
  for (size_t k = 0; k < d.weight_count; ++k) sum += double(reg.params()[k]) * reg.params()[k];
  CHECK(lr == doctest::Approx(lp + 0.5 * sum).epsilon(1e-6));
  for (size_t k = 0; k < d.weight_count; k += 37)
    CHECK(reg.grads()[k] ==
          doctest::Approx(plain.grads()[k] + 2 * 0.5f * reg.params()[k]).epsilon(1e-5));
  CHECK(reg.grads()[d.bias_offset] == plain.grads()[d.bias_offset]);  // the bias is not regularised
}

TEST_CASE("whole-model gradient check through BatchNorm, pools, Dropout (rate 0) and L2") {
  const std::string text =
      "image_size = 8\n"
      "[[layer]]\ntype = \"Conv2D\"\nfilters = 3\nkernel_size = 3\npadding = \"same\"\n"
      "kernel_regularizer = { l2 = 0.01 }\n"
      "[[layer]]\ntype = \"BatchNormalization\"\n"
      "[[layer]]\ntype = \"AveragePooling2D\"\npool_size = 3\nstrides = 2\npadding = \"same\"\n"
      "[[layer]]\ntype = \"GlobalAveragePooling2D\"\n"
      "[[layer]]\ntype = \"Dropout\"\nrate = 0.0\n"
      "[[layer]]\ntype = \"Dense\"\nunits = 2\nactivation = \"softmax\"\n";
  Model m = model_from_toml(text, "gc.toml", 0, 2);
  m.allocate(4);
  m.init(21);
  std::vector<float> x;
  std::vector<int> y;
  synthetic(4, x, y, 2);
  m.forward_backward(x.data(), y.data(), 4);
  const std::vector<float> g(m.grads(), m.grads() + m.num_params());
  const float eps = 1e-2f;
  int checked = 0;
  for (const LayerInfo& l : m.layers()) {
    for (size_t k : {l.weight_offset, l.weight_offset + l.weight_count / 2, l.bias_offset}) {
      if (l.weight_count == 0) continue;
      float* p = m.params() + k;
      const float keep = *p;
      *p = keep + eps;
      const double up = m.forward_backward(x.data(), y.data(), 4);
      *p = keep - eps;
      const double down = m.forward_backward(x.data(), y.data(), 4);
      *p = keep;
      const double numeric = (up - down) / (2 * eps);
      CHECK_MESSAGE(std::fabs(numeric - g[k]) <= 2e-3 + 2e-2 * std::fabs(numeric),
                    l.name << "[" << k << "]: numeric " << numeric << ", analytic " << g[k]);
      ++checked;
    }
  }
  CHECK(checked == 9);  // conv, BN and dense: 3 each
}

TEST_CASE("a checkpoint of a model with BatchNorm round-trips, moving statistics included") {
  test::TempDir dir("modelfile");
  Model m = regularised_tiny(3);
  m.allocate(8);
  m.init(4);
  std::vector<float> x;
  std::vector<int> y;
  synthetic(8, x, y, 5);
  for (int step = 0; step < 3; ++step) m.train_step(x.data(), y.data(), 8);  // moving stats move
  const std::string path = dir / "bn.safetensors";
  save_safetensors(path, m);
  LoadedModel loaded = load_safetensors(path, 8, false);
  REQUIRE(loaded.model.num_params() == m.num_params());
  CHECK(std::memcmp(loaded.model.params(), m.params(), m.num_params() * sizeof(float)) == 0);
  CHECK(loaded.model.summary_table() == m.summary_table());
  CHECK(loaded.metadata.count("cnnlab.model_file") == 1);
  CHECK(loaded.model.preset_name == "regularised-tiny");
  std::vector<float> a(24), b(24);
  m.forward(x.data(), 8, a.data());
  loaded.model.forward(x.data(), 8, b.data());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  const std::vector<std::string> names = tensor_names(m);
  CHECK(std::find(names.begin(), names.end(), "batch_normalization/moving_variance") !=
        names.end());
  // load_safetensors_weights into a live model of the same file, and refused for another model.
  Model live = regularised_tiny(3);
  live.allocate(8);
  live.init(99);
  load_safetensors_weights(path, live);
  CHECK(std::memcmp(live.params(), m.params(), m.num_params() * sizeof(float)) == 0);
  Model other = build_preset("tiny", 8, 3);
  other.allocate(1);
  CHECK_THROWS_AS(load_safetensors_weights(path, other), UserError);
}

TEST_CASE("an older checkpoint (model config only, no embedded model file) still loads") {
  test::TempDir dir("modelfile");
  Model m = build_preset("tiny", 12, 2);
  m.allocate(1);
  m.init(1);
  const std::string path = dir / "new.safetensors", old = dir / "old.safetensors";
  save_safetensors(path, m);
  // Rewrite the header without cnnlab.model_file, as cnnlab wrote checkpoints before model files.
  const std::string bytes = read_text(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  nlohmann::ordered_json header = nlohmann::ordered_json::parse(bytes.substr(8, n));
  REQUIRE(header["__metadata__"].erase("cnnlab.model_file") == 1);
  const std::string h = header.dump();
  const uint64_t len = h.size();
  std::ofstream(old, std::ios::binary)
      << std::string(reinterpret_cast<const char*>(&len), 8) << h << bytes.substr(8 + n);
  LoadedModel loaded = load_safetensors(old, 1, false);
  CHECK(loaded.metadata.count("cnnlab.model_file") == 0);
  CHECK(loaded.model.summary_table() == m.summary_table());
  CHECK(loaded.model.preset_name == "tiny");
  CHECK(std::memcmp(loaded.model.params(), m.params(), m.num_params() * sizeof(float)) == 0);
}

// `train` checks --model before reading the data: a file whose last layer writes its units (5)
// passes that check, and the real build then compares them with the data's classes.
TEST_CASE("check_preset: the layers alone, before the classes are known") {
  test::TempDir dir("modelfile");
  const std::string path = dir / "five.toml";
  std::ofstream(path)
      << "image_size = 16\n[[layer]]\ntype = \"Flatten\"\n[[layer]]\ntype = \"Dense\"\n"
         "units = 5\nactivation = \"softmax\"\n";
  CHECK_NOTHROW(check_preset(path, 16));
  CHECK(build_preset(path, 16, 5).num_classes() == 5);
  CHECK_THROWS_WITH_AS(build_preset(path, 16, 3),
                       doctest::Contains("has 5 units but the data has 3 classes"), UserError);
  CHECK_NOTHROW(check_preset("compact", 192));
  CHECK_THROWS_WITH_AS(check_preset("nope", 64), doctest::Contains("unknown model preset 'nope'"),
                       UserError);
  CHECK_THROWS_WITH_AS(check_preset(fixture("bad_unknown_layer.toml"), 16),
                       doctest::Contains("bad_unknown_layer.toml:8: unknown layer type"),
                       UserError);
}

TEST_CASE("BatchNormalization's momentum and epsilon come from the file and round-trip") {
  auto model = [](const char* bn_args) {
    return "image_size = 8\n[[layer]]\ntype = \"BatchNormalization\"\n" + std::string(bn_args) +
           "[[layer]]\ntype = \"GlobalAveragePooling2D\"\n"
           "[[layer]]\ntype = \"Dense\"\nunits = 2\nactivation = \"softmax\"\n";
  };
  Model fast = model_from_toml(model("momentum = 0.5\nepsilon = 0.01\n"), "fast.toml", 0, 2);
  Model keras = model_from_toml(model(""), "keras.toml", 0, 2);
  const LayerInfo& bn = fast.layers()[1];
  CHECK(bn.bn_momentum == 0.5f);
  CHECK(bn.bn_epsilon == 0.01f);
  CHECK(keras.layers()[1].bn_momentum == 0.99f);
  const std::string text = model_to_toml(fast);
  CHECK(text.find("momentum = 0.5\nepsilon = 0.00999999978\n") != std::string::npos);
  CHECK(model_to_toml(keras).find("momentum") == std::string::npos);  // defaults stay implicit
  CHECK(model_from_toml(text, "again.toml", 0, 2).layers()[1].bn_momentum == 0.5f);

  // One training batch: both start at mean 0, variance 1 and see the same batch statistics, so
  // the moving mean moves by (1 - momentum)·batch mean: 50 times further with 0.5 than with 0.99.
  std::vector<float> x;
  std::vector<int> y;
  synthetic(4, x, y, 2);
  for (Model* m : {&fast, &keras}) {
    m->allocate(4);
    m->init(3);
    m->forward_backward(x.data(), y.data(), 4);
  }
  const float* mf = fast.params() + bn.state_offset;
  const float* mk = keras.params() + keras.layers()[1].state_offset;
  for (int c = 0; c < 3; ++c) {
    CHECK(mk[c] != 0.f);
    CHECK(mf[c] == doctest::Approx(50 * mk[c]).epsilon(1e-4));
    // moving variance: m·1 + (1 - m)·var
    CHECK((mf[3 + c] - 0.5f) / 0.5f == doctest::Approx((mk[3 + c] - 0.99f) / 0.01f).epsilon(1e-3));
  }
  CHECK_THROWS_WITH_AS(model_from_toml(model("momentum = 1.5\n"), "bad.toml", 0, 2),
                       doctest::Contains("bad.toml:4: 'momentum' = 1.5"), UserError);
}
