// tests/train/test_timelapse.cpp — the time-lapse record: 8-bit maps (hand-worked), the budget,
// exact round trips through a checkpoint, strict reading of malformed records, and a worker run
// whose frames hold the weights each epoch really ended with.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "core/error.h"
#include "core/rng.h"
#include "data/image.h"
#include "nn/explain.h"
#include "nn/model_file.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/snapshot.h"
#include "train/timelapse.h"
#include "train/worker.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

const double kTimeout = 60;

// A frame with every kind of tensor the window reads, values from `seed`.
TimelapseFrame sample_frame(int epoch, uint64_t seed) {
  Rng rng(seed);
  TensorCopy k{"conv2d", {3, 3, 3, 4}, std::vector<float>(108)};
  for (float& v : k.values) v = rng.uniform() - 0.5f;
  TensorCopy a{"conv2d", {70, 5, 4}, std::vector<float>(70 * 5 * 4)};
  for (float& v : a.values) v = rng.uniform() * 3;
  SplitEval val;
  val.epoch = epoch;
  val.indices = {4, 9, 2};
  val.predicted = {1, 0, 1};
  val.confusion = {0, 1, 1, 1};  // true labels 1, 0, 0 → (1,1), (0,0)... counts sum to 3
  val.loss = 0.25 + epoch, val.accuracy = 2.0 / 3;
  return make_timelapse_frame(epoch, {k}, {a}, 7, {0.25f, 0.75f}, epoch > 0 ? &val : nullptr);
}

TimelapsePtr sample_record(int frames) {
  TimelapsePtr t;
  for (int e = 0; e < frames; ++e) t = timelapse_append(t, sample_frame(e, uint64_t(e + 1)));
  return t;
}

// Two classes of 12×12 PNGs (as test_worker.cpp): 34 train / 4 val / 10 test with the defaults.
std::string make_folder(const test::TempDir& tmp) {
  fs::path dir = tmp.path() / "data";
  Rng rng(5);
  const char* names[] = {"bright", "dark"};
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / names[c]);
    for (int i = 0; i < 24; ++i) {
      Image img{12, 12, 3, std::vector<uint8_t>(12 * 12 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100));
      write_png((dir / names[c] / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

RunSettings settings(const std::string& dir, int epochs) {
  RunSettings s;
  s.data_dir = dir, s.preset = "tiny", s.image_size = 12, s.epochs = epochs;
  s.batch_size = 8, s.learning_rate = 0.01f, s.threads = 2;
  return s;
}

SnapshotPtr send_and_wait(TrainingWorker& w, Command c, const std::string& status) {
  w.send(std::move(c));
  SnapshotPtr s =
      w.wait_until([&](const Snapshot& s) { return s.status.rfind(status, 0) == 0; }, kTimeout);
  REQUIRE_MESSAGE(s->status.rfind(status, 0) == 0, "last status: " << s->status);
  return s;
}

std::vector<float> checkpoint_conv_kernel(const std::string& path) {
  LoadedModel lm = load_safetensors(path, 1, false);
  ParamView k = lm.model.layer_weights(1);
  return std::vector<float>(k.data, k.data + k.size);
}

}  // namespace

TEST_CASE("timelapse: maps are box means to 64 a side, 8 bits over each map's own range") {
  // (128, 1, 2): channel 0 = the row number, channel 1 = 3 everywhere.
  TensorCopy a{"conv2d", {128, 1, 2}, std::vector<float>(256)};
  for (int y = 0; y < 128; ++y) a.values[size_t(y) * 2] = float(y), a.values[size_t(y) * 2 + 1] = 3;
  RecordTensor t = quantise_maps("map/conv2d", a);
  REQUIRE(t.shape == std::vector<int>{64, 1, 2});
  // Row y of the small map is the mean of rows 2y and 2y+1: 2y + 0.5, so 0.5 .. 126.5.
  CHECK(t.lo == std::vector<float>{0.5f, 3.f});
  CHECK(t.hi == std::vector<float>{126.5f, 3.f});
  CHECK(int(t.u8[0]) == 0);
  CHECK(int(t.u8[2]) == 4);  // (2.5 − 0.5) / 126 · 255 = 4.05 → 4
  CHECK(int(t.u8[126]) == 255);
  CHECK(int(t.u8[1]) == 0);  // a flat map: q = 0, and it comes back exactly
  TensorCopy back = dequantise_maps(t);
  CHECK(back.name == "conv2d");
  CHECK(back.values[1] == 3.f);
  CHECK(back.values[126] == 126.5f);
  CHECK(back.values[2] == doctest::Approx(0.5 + 4 / 255.0 * 126).epsilon(1e-6));
}

TEST_CASE("timelapse: a frame holds kernels exactly, conv maps only, probe and validation") {
  TimelapseFrame f = sample_frame(2, 3);
  REQUIRE(f.find("kernel/conv2d"));
  CHECK(f.find("kernel/conv2d")->shape == std::vector<int>{3, 3, 3, 4});
  CHECK(f.find("map/conv2d")->shape == std::vector<int>{64, 5, 4});
  CHECK(f.find("probe/index")->i32 == std::vector<int32_t>{7});
  CHECK(f.find("probe/probs")->f32 == std::vector<float>{0.25f, 0.75f});
  CHECK(f.find("val/confusion")->shape == std::vector<int>{2, 2});
  CHECK(f.find("val/predicted")->i32 == std::vector<int32_t>{1, 0, 1});
  CHECK(sample_frame(0, 3).find("val/confusion") == nullptr);  // epoch 0: not evaluated
  // A pooling layer's output is not a conv map: not recorded.
  TensorCopy pool{"max_pooling2d", {2, 2, 4}, std::vector<float>(16)};
  CHECK(make_timelapse_frame(0, {}, {pool}, -1, {}, nullptr).tensors.empty());
}

TEST_CASE("timelapse: appending shares frames; an earlier epoch replaces the later frames") {
  TimelapsePtr a = sample_record(3);
  TimelapsePtr b = timelapse_append(a, sample_frame(3, 9));
  REQUIRE(b->frames.size() == 4);
  CHECK(b->frames[1].get() == a->frames[1].get());            // a pointer, not a copy
  CHECK(a->frames.size() == 3);                               // the old record is untouched
  TimelapsePtr c = timelapse_append(b, sample_frame(1, 11));  // a run reloaded at epoch 1
  REQUIRE(c->frames.size() == 2);
  CHECK(c->frames[1]->epoch == 1);
  CHECK(*c->frames[1] == sample_frame(1, 11));
}

TEST_CASE("timelapse: over the budget, every second frame goes; the first and latest stay") {
  auto big = [](int epoch) {  // 6 MiB a frame: 9 fit in 48 MiB
    TimelapseFrame f;
    f.epoch = epoch;
    RecordTensor t;
    t.name = "kernel/big", t.shape = {1, 1, 1, 1536 * 1024};
    t.f32.assign(size_t(1536) * 1024, float(epoch));
    f.tensors.push_back(std::move(t));
    return f;
  };
  TimelapsePtr t;
  for (int e = 0; e <= 8; ++e) t = timelapse_append(t, big(e));
  // Epoch 7's frame makes 8 × 6 MiB (+ names) > 48 MiB: 0..7 thin to 0, 2, 4, 6, 7; then 8.
  std::vector<int> epochs;
  for (const auto& f : t->frames) epochs.push_back(f->epoch);
  CHECK(epochs == std::vector<int>{0, 2, 4, 6, 7, 8});
  CHECK(t->thinned);
  CHECK(t->bytes <= kTimelapseMaxBytes);
  CHECK(t->frames.front()->epoch == 0);
  CHECK(t->frames.back()->epoch == 8);
}

TEST_CASE("timelapse: the record round-trips exactly through a checkpoint file") {
  test::TempDir tmp("timelapse_ckpt");
  TimelapsePtr t = sample_record(4);
  Model m = build_preset("tiny", 12, 2);
  m.allocate(1);
  m.init(1);
  std::map<std::string, std::string> meta;
  add_timelapse(meta, *t);
  const std::string path = tmp / "t.safetensors";
  save_safetensors(path, m, meta);
  TimelapsePtr back = read_timelapse(read_safetensors_metadata(path), path, 2);
  REQUIRE(back);
  REQUIRE(back->frames.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(*back->frames[i] == *t->frames[i]);  // every value
  CHECK(back->bytes == t->bytes);
  CHECK(read_timelapse({}, path, 2) == nullptr);  // an older checkpoint: no record, no error
  // The weights-only load ignores it.
  CHECK(load_safetensors(path, 1, false).metadata.count("cnnlab.timelapse") == 1);
}

TEST_CASE("timelapse: malformed records are UserErrors naming the file, never a crash") {
  const std::string path = "/tmp/bad.safetensors";
  auto fails_with = [&](const std::string& text, const std::string& part) {
    std::map<std::string, std::string> meta{{"cnnlab.timelapse", text}};
    try {
      read_timelapse(meta, path, 2);
      FAIL("no error for: " << part);
    } catch (const UserError& e) {
      CHECK(e.path() == path);
      CHECK_MESSAGE(std::string(e.what()).find(part) != std::string::npos, e.what());
    }
  };
  const std::string good = encode_timelapse(*sample_record(3));
  std::vector<uint8_t> bytes = base64_decode(good);
  fails_with(good.substr(0, good.size() - 4), "truncated");
  fails_with(good + "A", "base64");
  fails_with("!!!!", "outside base64");
  auto patched = [&](size_t at, std::vector<uint8_t> with) {
    std::vector<uint8_t> b = bytes;
    std::copy(with.begin(), with.end(), b.begin() + long(at));
    return base64_encode(b);
  };
  fails_with(patched(0, {'X'}), "not a cnnlab time-lapse");
  fails_with(patched(4, {2}), "version 2");
  fails_with(patched(8, {0xff, 0xff, 0, 0}), "65535 frames");
  fails_with(patched(12, {5}), "does not follow");  // frame 0 says epoch 5, then epoch 1
  std::vector<uint8_t> extra = bytes;
  extra.push_back(0);
  fails_with(base64_encode(extra), "bytes after the last frame");
  // Three classes in a two-class checkpoint: the probabilities no longer fit.
  try {
    read_timelapse({{"cnnlab.timelapse", good}}, path, 3);
    FAIL("classes not checked");
  } catch (const UserError& e) {
    CHECK(std::string(e.what()).find("probe/probs") != std::string::npos);
  }
  // A NaN kernel value (the first float of frame 1's kernel).
  TimelapseFrame f = sample_frame(1, 2);
  f.tensors[0].f32[0] = NAN;
  Timelapse bad;
  bad.frames.push_back(std::make_shared<const TimelapseFrame>(f));
  fails_with(encode_timelapse(bad), "not finite");
  // Seeded byte flips: each decodes or fails with a UserError, never anything else.
  Rng rng(77);
  for (int i = 0; i < 400; ++i) {
    std::vector<uint8_t> b = bytes;
    for (int k = 0; k < 3; ++k) b[rng.below(uint32_t(b.size()))] ^= uint8_t(1 + rng.below(255));
    try {
      read_timelapse({{"cnnlab.timelapse", base64_encode(b)}}, path, 2);
    } catch (const UserError&) {
    }
  }
}

TEST_CASE("timelapse: a 3-epoch worker run records 4 frames holding each epoch's real weights") {
  test::TempDir tmp("timelapse_worker");
  const std::string dir = make_folder(tmp);
  TrainingWorker w;
  w.send({Command::Load, settings(dir, 3)});
  SnapshotPtr s =
      w.wait_until([](const Snapshot& s) { return s.state == RunState::Ready; }, kTimeout);
  REQUIRE(s->state == RunState::Ready);
  REQUIRE(s->timelapse);
  REQUIRE(s->timelapse->frames.size() == 1);  // frame 0: the initial weights
  CHECK(s->timelapse->frames[0]->find("kernel/conv2d")->f32 == s->conv_kernels_init[0].values);
  std::vector<std::vector<float>> weights{s->conv_kernels_init[0].values};
  std::vector<SplitEval> evals{SplitEval{}};
  for (int e = 1; e <= 3; ++e) {
    w.send({Command::OneEpoch});
    s = w.wait_until(
        [&](const Snapshot& s) { return s.epoch == e && s.state != RunState::Training; }, kTimeout);
    REQUIRE(s->epoch == e);
    const std::string ckpt = tmp / ("e" + std::to_string(e) + ".safetensors");
    send_and_wait(w, {Command::SaveCheckpoint, {}, ckpt}, "Saved ");
    weights.push_back(checkpoint_conv_kernel(ckpt));  // the weights as they really are
    evals.push_back(s->val_eval);
  }
  const Timelapse& t = *s->timelapse;
  REQUIRE(t.frames.size() == 4);
  for (int e = 0; e <= 3; ++e) {
    const TimelapseFrame& f = *t.frames[size_t(e)];
    CHECK(f.epoch == e);
    CHECK(f.find("kernel/conv2d")->f32 == weights[size_t(e)]);
    CHECK(f.find("map/conv2d")->shape == std::vector<int>{12, 12, 4});
    CHECK(f.find("probe/index")->i32[0] == s->probe_index);
    CHECK(f.find("heat/gradcam") != nullptr);  // the probe's Grad-CAM, every epoch
    if (e == 0) continue;
    std::vector<int> conf(f.find("val/confusion")->i32.begin(), f.find("val/confusion")->i32.end());
    CHECK(conf == evals[size_t(e)].confusion);
    std::vector<int> pred(f.find("val/predicted")->i32.begin(), f.find("val/predicted")->i32.end());
    CHECK(pred == evals[size_t(e)].predicted);
  }
  // The last checkpoint brings the record back, frame for frame, into a fresh window.
  TrainingWorker w2;
  w2.send({Command::Load, settings(dir, 3)});
  w2.wait_until([](const Snapshot& s) { return s.state == RunState::Ready; }, kTimeout);
  SnapshotPtr s2 =
      send_and_wait(w2, {Command::LoadCheckpoint, {}, tmp / "e3.safetensors"}, "Loaded ");
  REQUIRE(s2->timelapse);
  REQUIRE(s2->timelapse->frames.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(*s2->timelapse->frames[i] == *t.frames[i]);
}

TEST_CASE("timelapse: a checkpoint with a malformed record is refused by name; weights stay") {
  test::TempDir tmp("timelapse_bad");
  const std::string dir = make_folder(tmp);
  TrainingWorker w;
  w.send({Command::Load, settings(dir, 2)});
  SnapshotPtr s =
      w.wait_until([](const Snapshot& s) { return s.state == RunState::Ready; }, kTimeout);
  REQUIRE(s->state == RunState::Ready);
  Model m = build_preset("tiny", 12, 2);
  m.allocate(1);
  m.init(99);
  std::map<std::string, std::string> meta{{"cnnlab.timelapse", "AAAA"}};
  const std::string path = tmp / "bad.safetensors";
  save_safetensors(path, m, meta);
  w.send({Command::LoadCheckpoint, {}, path});
  s = w.wait_until([](const Snapshot& s) { return !s.error.empty(); }, kTimeout);
  CHECK(s->error.rfind(path + ": its time-lapse (cnnlab.timelapse) is malformed", 0) == 0);
  CHECK(s->conv_kernels[0].values == s->conv_kernels_init[0].values);
  CHECK(s->timelapse->frames.size() == 1);
}

TEST_CASE("timelapse: a frame keeps the probe's Grad-CAM; replayed, it is the engine's heat") {
  const std::string text =
      "image_size = 12\n"
      "[[layer]]\ntype = \"Conv2D\"\nfilters = 4\nkernel_size = 3\npadding = \"same\"\n"
      "activation = \"relu\"\n"
      "[[layer]]\ntype = \"GlobalAveragePooling2D\"\n"
      "[[layer]]\ntype = \"Dense\"\nunits = 3\nactivation = \"softmax\"\n";
  Model m = model_from_toml(text, "heat.toml", 0, 3);
  m.allocate(1);
  m.init(11);
  Rng rng(4);
  std::vector<float> x(12 * 12 * 3);
  for (float& v : x) v = rng.uniform() * 2 - 1;
  TimelapseFrame f;
  add_frame_gradcam(f, m, x.data());
  REQUIRE(f.find("heat/gradcam") != nullptr);
  CHECK(f.find("heat/gradcam")->shape == std::vector<int>{12, 12, 1});
  const Explanation e = explain_image(m, x.data(), -1, ExplainMethod::GradCam);
  int cls = -1;
  std::vector<float> heat;
  REQUIRE(frame_gradcam(f, 12, 12, &cls, &heat));
  CHECK(cls == e.predicted);
  REQUIRE(heat.size() == e.heat.size());
  float worst = 0;
  for (size_t i = 0; i < heat.size(); ++i) worst = std::max(worst, std::abs(heat[i] - e.heat[i]));
  INFO("largest difference from the engine's heat (8-bit record): " << worst);
  CHECK(worst < 0.01f);
  float top = 0;
  for (float v : e.heat) top = std::max(top, v);
  CHECK(top == doctest::Approx(1.0f));  // not a flat map: the comparison means something
  // A class outside the data is refused on reading, like the other records.
  TimelapseFrame bad = f;
  for (RecordTensor& t : bad.tensors)
    if (t.name == "heat/class") t.i32[0] = 7;
  Timelapse rec;
  rec.frames.push_back(std::make_shared<const TimelapseFrame>(bad));
  std::map<std::string, std::string> meta;
  add_timelapse(meta, rec);
  CHECK_THROWS_AS(read_timelapse(meta, "bad.safetensors", 3), UserError);
  // A model without a convolution records no heat.
  Model flat = model_from_toml(
      "image_size = 8\n[[layer]]\ntype = \"Flatten\"\n[[layer]]\n"
      "type = \"Dense\"\nunits = 2\nactivation = \"softmax\"\n",
      "flat.toml", 0, 2);
  flat.allocate(1);
  flat.init(1);
  std::vector<float> y(8 * 8 * 3, 0.5f);
  TimelapseFrame g;
  add_frame_gradcam(g, flat, y.data());
  CHECK(g.find("heat/gradcam") == nullptr);
}
