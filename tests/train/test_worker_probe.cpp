// tests/train/test_worker_probe.cpp — the worker's probe from a photo of the user's own
// (SetProbeImage: predictions and activations follow it; a bad file keeps the old probe with the
// loader's message) and the probe's Grad-CAM/saliency (SetExplain). Waits on snapshot predicates.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/rng.h"
#include "data/image.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/worker.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

const double kTimeout = 60;  // a failure shows as a timeout, not a hang

// Two classes of 12×12 PNGs, bright vs dark noise (as test_worker.cpp).
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

SnapshotPtr load(TrainingWorker& w, const std::string& dir) {
  RunSettings s;
  s.data_dir = dir, s.preset = "tiny", s.image_size = 12, s.epochs = 1, s.batch_size = 8;
  s.threads = 2;
  w.send({Command::Load, s});
  SnapshotPtr snap = w.wait_until(
      [](const Snapshot& s) { return s.state == RunState::Ready || s.state == RunState::Error; },
      kTimeout);
  REQUIRE_MESSAGE(snap->state == RunState::Ready, snap->status);
  return snap;
}

Command with_path(Command::Kind kind, const std::string& path) {
  Command c{kind};
  c.path = path;
  return c;
}

// A 20×16 photo (not square, not the data's size): a left-to-right ramp.
std::string write_photo(const test::TempDir& tmp) {
  Image img{20, 16, 3, std::vector<uint8_t>(20 * 16 * 3)};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 20; ++x)
      for (int c = 0; c < 3; ++c) img.pixels[size_t((y * 20 + x) * 3 + c)] = uint8_t(x * 12 + c);
  write_png(tmp / "mine.png", img);
  return tmp / "mine.png";
}

}  // namespace

TEST_CASE("worker: a photo file becomes the probe; predictions and activations are of it") {
  test::TempDir tmp("probe");
  TrainingWorker w;
  SnapshotPtr s = load(w, make_folder(tmp));
  REQUIRE(s->probe_index >= 0);
  const uint64_t v0 = s->probe_version;
  const std::string photo = write_photo(tmp);
  w.send(with_path(Command::SetProbeImage, photo));
  s = w.wait_until([](const Snapshot& s) { return !s.probe_file.empty() || !s.error.empty(); },
                   kTimeout);
  REQUIRE_MESSAGE(s->error.empty(), s->error);
  CHECK(s->probe_file == "mine.png");
  CHECK(s->probe_index == -1);
  CHECK(s->probe_version > v0);
  // The pixels as the dataset loader makes them: decoded, resized to 12×12.
  Image want = resize_rgb(decode_image_file(photo), 12, 12);
  CHECK(s->probe_pixels == want.pixels);
  // The same weights (through a checkpoint) on the same input: the same probabilities and maps.
  w.send(with_path(Command::SaveCheckpoint, tmp / "m.safetensors"));
  s = w.wait_until([](const Snapshot& s) { return s.status.rfind("Saved", 0) == 0; }, kTimeout);
  LoadedModel lm = load_safetensors(tmp / "m.safetensors", 1, false);
  std::vector<float> x(want.pixels.size()), probs(2);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = (want.pixels[i] / 255.0f - s->scaling.mean) / s->scaling.std;
  lm.model.forward(x.data(), 1, probs.data());
  REQUIRE(s->probe_probs.size() == 2);
  CHECK(s->probe_probs[0] == doctest::Approx(probs[0]));
  REQUIRE(!s->activations.empty());
  REQUIRE(s->activations[0].name == "conv2d");
  const float* a = lm.model.activation(1);
  int differ = 0;
  for (size_t i = 0; i < s->activations[0].values.size(); ++i)
    differ += std::abs(s->activations[0].values[i] - a[i]) > 1e-5f;
  CHECK(differ == 0);
  // Back to a dataset image: the photo is forgotten.
  w.send({Command::SetProbe, {}, {}, 3});
  s = w.wait_until([](const Snapshot& s) { return s.probe_index == 3; }, kTimeout);
  CHECK(s->probe_file.empty());
  CHECK(s->probe_pixels ==
        std::vector<uint8_t>(s->data->image(3), s->data->image(3) + s->data->image_bytes()));
}

TEST_CASE("worker: a bad photo gives the loader's message and keeps the old probe") {
  test::TempDir tmp("probe_bad");
  TrainingWorker w;
  SnapshotPtr s = load(w, make_folder(tmp));
  const std::string photo = write_photo(tmp);
  w.send(with_path(Command::SetProbeImage, photo));
  s = w.wait_until([](const Snapshot& s) { return !s.probe_file.empty(); }, kTimeout);
  const uint64_t version = s->probe_version;
  const std::vector<float> probs = s->probe_probs;
  std::ofstream(tmp / "bad.jpg") << "not an image";
  std::string loader_says;
  try {
    decode_image_file(tmp / "bad.jpg");
  } catch (const UserError& e) {
    loader_says = e.what();
  }
  REQUIRE(!loader_says.empty());
  for (const std::string& bad : {tmp / "bad.jpg", tmp / "missing.png", tmp.path().string()}) {
    const uint64_t v = s->version;
    w.send(with_path(Command::SetProbeImage, bad));
    s = w.wait_until([&](const Snapshot& s) { return s.version > v && !s.error.empty(); },
                     kTimeout);
    REQUIRE(!s->error.empty());
    CHECK(s->error.rfind(bad + ": ", 0) == 0);  // names the file, then the reason
    if (bad == tmp / "bad.jpg") CHECK(s->error == loader_says);
    CHECK(s->status.find("cannot be the probe") != std::string::npos);
    CHECK(s->state == RunState::Ready);  // not an error state: the run goes on
    CHECK(s->probe_file == "mine.png");
    CHECK(s->probe_version == version);
    CHECK(s->probe_probs == probs);
  }
}

TEST_CASE("worker: SetExplain publishes the probe's Grad-CAM or saliency, and follows the probe") {
  test::TempDir tmp("probe_explain");
  TrainingWorker w;
  SnapshotPtr s = load(w, make_folder(tmp));
  CHECK(s->probe_explain.cls == -1);  // off by default
  Command c{Command::SetExplain};
  c.explain.on = true;
  w.send(c);
  s = w.wait_until([](const Snapshot& s) { return s.probe_explain.cls >= 0; }, kTimeout);
  REQUIRE(s->probe_explain.cls >= 0);
  const int predicted =
      int(std::max_element(s->probe_probs.begin(), s->probe_probs.end()) - s->probe_probs.begin());
  CHECK(s->probe_explain.cls == predicted);  // auto
  CHECK(s->probe_explain.method == ExplainMethod::GradCam);
  CHECK(s->probe_explain.layer == "conv2d");  // tiny's only conv layer
  CHECK(s->probe_explain.h == 12);
  REQUIRE(s->probe_explain.heat.size() == 144);
  CHECK(*std::max_element(s->probe_explain.heat.begin(), s->probe_explain.heat.end()) <= 1.0f);

  c.explain.method = ExplainMethod::Saliency;
  c.explain.cls = 1 - predicted;
  w.send(c);
  s = w.wait_until(
      [](const Snapshot& s) { return s.probe_explain.method == ExplainMethod::Saliency; },
      kTimeout);
  CHECK(s->probe_explain.cls == 1 - predicted);
  CHECK(s->probe_explain.layer.empty());
  const std::vector<float> before = s->probe_explain.heat;

  w.send(with_path(Command::SetProbeImage, write_photo(tmp)));  // the heat follows the probe
  s = w.wait_until([](const Snapshot& s) { return !s.probe_file.empty(); }, kTimeout);
  CHECK(s->probe_explain.heat.size() == 144);
  CHECK(s->probe_explain.heat != before);

  c.explain.on = false;
  w.send(c);
  s = w.wait_until([](const Snapshot& s) { return s.probe_explain.cls == -1; }, kTimeout);
  CHECK(s->probe_explain.heat.empty());
}
