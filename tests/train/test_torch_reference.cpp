// tests/train/test_torch_reference.cpp — an independent check of the whole training step: the tiny
// preset, started from a checked-in cnnlab checkpoint, takes 10 Adam steps on hash-generated
// batches and must reproduce the per-step losses and final logits that PyTorch computed
// (bench/torch_reference.py, in float64, Keras's Adam written out) to 1e-4 relative. No torch
// needed here: it reads the golden file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nn/model.h"
#include "nn/serialize.h"
#include "reference_batches.h"

using namespace cnnlab;

namespace {

const std::string kGolden = std::string(CNNLAB_SOURCE_DIR) + "/tests/train/golden/";

struct TorchReference {
  std::vector<double> losses;               // after each step: that step's mean loss
  std::vector<std::vector<double>> logits;  // (samples, classes) after the last step
};

// Lines "loss STEP VALUE" and "logits SAMPLE V0 V1 V2"; '#' lines are provenance.
TorchReference read_reference(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), path << ": cannot open (regenerate: bench/torch_reference.py)");
  TorchReference r;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string kind;
    int index = 0;
    ls >> kind >> index;
    if (kind == "loss") {
      REQUIRE(index == int(r.losses.size()) + 1);
      double v = 0;
      ls >> v;
      r.losses.push_back(v);
    } else if (kind == "logits") {
      REQUIRE(index == int(r.logits.size()));
      std::vector<double> row(test::kRefClasses);
      for (double& v : row) ls >> v;
      REQUIRE_MESSAGE(!ls.fail(), path << ": bad line '" << line << "'");
      r.logits.push_back(row);
    }
  }
  return r;
}

}  // namespace

TEST_CASE(
    "tiny preset: 10 Adam steps match the PyTorch reference (per-step losses, final logits)") {
  Model m = build_preset("tiny", test::kRefSize, test::kRefClasses);
  m.set_threads(1);
  m.allocate(test::kRefBatch);
  // Regenerating the starting point (then run bench/torch_reference.py):
  // CNNLAB_WRITE_REFERENCE_INIT=PATH.
  if (const char* out = std::getenv("CNNLAB_WRITE_REFERENCE_INIT"); out && *out) {
    m.init(1234);
    save_safetensors(out, m);
    MESSAGE("wrote the tiny preset's initial weights (seed 1234) to " << std::string(out));
    return;
  }
  load_safetensors_weights(kGolden + "tiny_init.safetensors", m);
  m.reset_adam();
  CHECK(m.adam.lr == 0.001f);  // Keras defaults, as the reference used
  CHECK(m.adam.beta1 == 0.9f);
  CHECK(m.adam.beta2 == 0.999f);
  CHECK(m.adam.eps == 1e-7f);
  TorchReference ref = read_reference(kGolden + "tiny_torch_reference.txt");
  REQUIRE(ref.losses.size() == size_t(test::kRefSteps));
  REQUIRE(ref.logits.size() == size_t(test::kRefSamples));

  std::vector<float> x;
  std::vector<int> y;
  test::reference_batches(x, y);
  const size_t per = size_t(test::kRefSize) * test::kRefSize * test::kRefChannels;
  double worst_loss = 0, worst_prob = 0;
  for (int s = 0; s < test::kRefSteps; ++s) {
    int first = test::reference_first(s);
    float loss =
        m.train_step(x.data() + size_t(first) * per, y.data() + first, test::reference_n(s));
    INFO("step " << s + 1);
    CHECK(loss == doctest::Approx(ref.losses[size_t(s)]).epsilon(1e-4).scale(0));
    worst_loss =
        std::max(worst_loss, std::abs(loss - ref.losses[size_t(s)]) / ref.losses[size_t(s)]);
  }

  // The final model on all 18 samples: cnnlab returns softmax probabilities; compare them to the
  // reference logits' softmax, and log-ratios to logit differences (softmax drops a per-row
  // constant).
  std::vector<float> probs(size_t(test::kRefSamples) * test::kRefClasses);
  for (int first = 0; first < test::kRefSamples; first += test::kRefBatch)
    m.forward(x.data() + size_t(first) * per, test::kRefBatch,
              probs.data() + size_t(first) * test::kRefClasses);
  for (int i = 0; i < test::kRefSamples; ++i) {
    const std::vector<double>& z = ref.logits[size_t(i)];
    double mx = std::max({z[0], z[1], z[2]}), sum = 0;
    for (double v : z) sum += std::exp(v - mx);
    const float* p = &probs[size_t(i) * test::kRefClasses];
    INFO("sample " << i);
    for (int c = 0; c < test::kRefClasses; ++c) {
      double want = std::exp(z[size_t(c)] - mx) / sum;
      CHECK(p[c] == doctest::Approx(want).epsilon(1e-4).scale(0));
      worst_prob = std::max(worst_prob, std::abs(p[c] - want) / want);
      if (c > 0)  // absolute + relative: a log-ratio can be near 0
        CHECK(std::log(double(p[c]) / p[0]) == doctest::Approx(z[size_t(c)] - z[0]).epsilon(1e-4));
    }
  }
  MESSAGE("largest relative difference from PyTorch: losses "
          << worst_loss << ", final probabilities " << worst_prob);
}
