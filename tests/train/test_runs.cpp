// tests/train/test_runs.cpp — the runs folder (runs.h): a run's folder holds every file and reads
// back with the values written; damaged and half-written folders are skipped with a warning naming
// them; names sort by time and never collide; the --seeds statistics by hand.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/fileio.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/split.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "test_tmp.h"
#include "train/run_record.h"
#include "train/runs.h"
#include "train/setup.h"
#include "train/trainer.h"
#include "train/worker.h"

using namespace cnnlab;
namespace fs = std::filesystem;

namespace {

// 2 classes of 8×8 images: bright or dark, with noise.
Dataset bright_dark(int per_class) {
  Dataset ds;
  ds.class_names = {"bright", "dark"};
  ds.height = ds.width = 8;
  ds.channels = 3;
  Rng rng(5);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < per_class; ++i) {
      ds.paths.push_back(ds.class_names[c] + "/" + std::to_string(i) + ".png");
      ds.labels.push_back(c);
      ds.duplicate_group.push_back(-1);
      for (int p = 0; p < 8 * 8 * 3; ++p)
        ds.pixels.push_back(uint8_t(c == 0 ? 150 + rng.below(100) : rng.below(100)));
    }
  return ds;
}

// A finished 2-epoch run of the tiny model: the record, its meta and the trained model.
struct FinishedRun {
  Dataset ds = bright_dark(20);
  Split split = make_split(ds, 0.2, 0.25, 7);
  Scaling sc = compute_scaling(ds, split.train);
  Model model = build_preset("tiny", 8, 2);
  RunSettings s;
  RunRecord rec;
  RunMeta meta;
  FinishedRun() {
    s.preset = "tiny", s.image_size = 8, s.epochs = 2, s.batch_size = 8, s.seed = 7;
    s.threads = 1, s.data_dir = "/data/flowers";
    model.set_threads(1);
    model.allocate(8);
    model.init(7);
    Trainer t(model, ds, split, sc, TrainConfig{2, 8, 0.01f, 7});
    std::atomic<bool> stop{false};
    t.fit({}, stop);
    EvalResult r = t.evaluate(split.test);
    rec = run_record_of(t, s, make_split_eval("test", t.epoch(), split.test, r));
    meta.data_dir = s.data_dir;
    meta.class_names = ds.class_names;
    meta.scaling = sc;
    meta.started = "2026-12-01T18:40:12Z";
    meta.ended = "2026-12-01T18:40:15Z";
    meta.stop_reason = "completed";
  }
};

}  // namespace

TEST_CASE("a run folder holds every file and reads back with the values written") {
  test::TempDir tmp("runs");
  FinishedRun run;
  run.meta.group = "g1", run.meta.group_index = 1, run.meta.group_size = 3;
  const std::string path = write_run(tmp / "runs", run.rec, run.meta, run.model);
  CHECK(fs::path(path).filename() == "2026-12-01T18-40-12_tiny_seed7");
  for (const char* f :
       {"model.toml", "run.json", "history.csv", "checkpoint.safetensors", "confusion.json"})
    CHECK_MESSAGE(fs::is_regular_file(fs::path(path) / f), f);
  CHECK(std::distance(fs::directory_iterator(tmp / "runs"), fs::directory_iterator{}) == 1);

  // history.csv is --history's file; the checkpoint is --save's, run record included.
  CHECK(read_file_text(path + "/history.csv") == run.rec.history.to_csv());
  LoadedModel lm = load_safetensors(path + "/checkpoint.safetensors", 1, false);
  RunRecord back = read_run_record(lm.metadata, path, 2);
  CHECK(back.present);
  CHECK(back.history.epochs.size() == 2);
  CHECK(back.test_eval.accuracy == run.rec.test_eval.accuracy);
  CHECK(
      std::equal(lm.model.params(), lm.model.params() + lm.model.num_params(), run.model.params()));

  auto run_json = nlohmann::json::parse(read_file_text(path + "/run.json"));
  CHECK(run_json["data_dir"] == "/data/flowers");
  CHECK(run_json["class_names"] == nlohmann::json({"bright", "dark"}));
  CHECK(run_json["split_seed"] == 7);
  CHECK(run_json["cnnlab_version"] == kCnnlabVersion);
  CHECK(run_json["host"]["threads"] == 1);
  CHECK(run_json["ended"] == "2026-12-01T18:40:15Z");
  auto conf = nlohmann::json::parse(read_file_text(path + "/confusion.json"));
  CHECK(conf["class_names"] == nlohmann::json({"bright", "dark"}));
  int counted = 0;
  for (const auto& row : conf["test"]["matrix"])
    for (const auto& c : row) counted += c.get<int>();
  CHECK(counted == int(run.split.test.size()));
  CHECK(conf["validation"]["epoch"] == 2);

  RunList list = list_runs(tmp / "runs");
  CHECK(list.warnings.empty());
  REQUIRE(list.runs.size() == 1);
  const RunSummary& r = list.runs[0];
  CHECK(r.model == "tiny");
  CHECK(r.params == run.model.num_params());
  CHECK(r.epochs == 2);
  CHECK(r.epochs_planned == 2);
  CHECK(r.seed == 7);
  CHECK(r.group == "g1");
  CHECK(r.group_size == 3);
  CHECK(r.stop_reason == "completed");
  CHECK(r.started == "2026-12-01T18:40:12Z");
  CHECK(r.test_accuracy == run.rec.test_eval.accuracy);
  const auto& e = run.rec.history.epochs;
  const double best = std::max(e[0].val_accuracy, e[1].val_accuracy);
  CHECK(r.best_val_accuracy == double(float(best)));  // history.csv keeps float precision
  CHECK(r.best_val_epoch == (e[1].val_accuracy > e[0].val_accuracy ? 2 : 1));
  CHECK(r.seconds_per_epoch == doctest::Approx((e[0].seconds + e[1].seconds) / 2).epsilon(1e-5));
}

TEST_CASE("runs with the same start, model and seed get distinct folders") {
  test::TempDir tmp("runs");
  FinishedRun run;
  const std::string a = write_run(tmp / "runs", run.rec, run.meta, run.model);
  const std::string b = write_run(tmp / "runs", run.rec, run.meta, run.model);
  CHECK(a != b);
  CHECK(fs::path(b).filename() == "2026-12-01T18-40-12_tiny_seed7_2");
  CHECK(list_runs(tmp / "runs").runs.size() == 2);
}

TEST_CASE("a stopped run is recorded as stopped, without a test accuracy") {
  test::TempDir tmp("runs");
  FinishedRun run;
  run.rec.test_eval = SplitEval{};
  run.meta.stop_reason = "stopped";
  write_run(tmp / "runs", run.rec, run.meta, run.model);
  RunList list = list_runs(tmp / "runs");
  REQUIRE(list.runs.size() == 1);
  CHECK(list.runs[0].stop_reason == "stopped");
  CHECK(std::isnan(list.runs[0].test_accuracy));
}

TEST_CASE("damaged and half-written run folders are skipped with a warning naming them") {
  test::TempDir tmp("runs");
  FinishedRun run;
  const std::string dir = tmp / "runs";
  const std::string good = write_run(dir, run.rec, run.meta, run.model);
  fs::create_directories(dir + "/2026-12-01T19-00-00_tiny_seed1.tmp.999");  // being written
  fs::create_directories(dir + "/2026-12-01T19-01-00_tiny_seed2");          // no run.json
  fs::copy(good, dir + "/2026-12-01T19-02-00_tiny_seed3");
  write_file_atomic(dir + "/2026-12-01T19-02-00_tiny_seed3/run.json", "{\"model\": ");
  fs::copy(good, dir + "/2026-12-01T19-03-00_tiny_seed4");
  write_file_atomic(dir + "/2026-12-01T19-03-00_tiny_seed4/history.csv", "not,a,history\n");
  write_file_atomic(dir + "/notes.txt", "a stray file is not a run");

  RunList list = list_runs(dir);
  REQUIRE(list.runs.size() == 1);
  CHECK(list.runs[0].path == good);
  REQUIRE(list.warnings.size() == 4);
  CHECK(list.warnings[0].find("seed1.tmp.999: skipped: half-written") != std::string::npos);
  CHECK(list.warnings[1].find("seed2: skipped: ") != std::string::npos);
  CHECK(list.warnings[1].find("run.json") != std::string::npos);
  CHECK(list.warnings[2].find("seed3/run.json: not JSON") != std::string::npos);
  CHECK(list.warnings[3].find("seed4/history.csv") != std::string::npos);
}

TEST_CASE("a missing runs folder lists no runs and no warnings") {
  test::TempDir tmp("runs");
  RunList list = list_runs(tmp / "nowhere");
  CHECK(list.runs.empty());
  CHECK(list.warnings.empty());
}

TEST_CASE("an unwritable runs folder is a UserError naming it") {
  test::TempDir tmp("runs");
  FinishedRun run;
  write_file_atomic(tmp / "file", "x");
  CHECK_THROWS_WITH_AS(write_run(tmp / "file", run.rec, run.meta, run.model),
                       doctest::Contains("file: cannot create the runs folder"), UserError);
}

TEST_CASE("seed statistics: mean and sample standard deviation by hand") {
  // 0.70, 0.80, 0.90: mean 0.80; squared deviations 0.01 + 0 + 0.01 = 0.02; / (3 − 1) = 0.01;
  // sqrt = 0.1.
  SeedStats s = seed_stats({0.7, 0.8, 0.9});
  CHECK(s.n == 3);
  CHECK(s.mean == doctest::Approx(0.8).epsilon(1e-12));
  CHECK(s.std == doctest::Approx(0.1).epsilon(1e-12));
  CHECK(s.min == 0.7);
  CHECK(s.max == 0.9);
  SeedStats one = seed_stats({0.5});
  CHECK(one.n == 1);
  CHECK(one.mean == 0.5);
  CHECK(one.std == 0);
  CHECK(seed_stats({}).n == 0);
}

TEST_CASE("the runs folder: $CNNLAB_RUNS, else $XDG_DATA_HOME/cnnlab/runs, else ~/.local/share") {
  auto keep = [](const char* name) {
    const char* v = std::getenv(name);
    return std::pair<bool, std::string>{v != nullptr, v ? v : ""};
  };
  auto runs = keep("CNNLAB_RUNS"), xdg = keep("XDG_DATA_HOME"), home = keep("HOME");
  setenv("CNNLAB_RUNS", "/r", 1);
  setenv("XDG_DATA_HOME", "/x", 1);
  setenv("HOME", "/h", 1);
  CHECK(default_runs_dir() == "/r");
  unsetenv("CNNLAB_RUNS");
  CHECK(default_runs_dir() == "/x/cnnlab/runs");
  unsetenv("XDG_DATA_HOME");
  CHECK(default_runs_dir() == "/h/.local/share/cnnlab/runs");
  auto restore = [](const char* name, const std::pair<bool, std::string>& v) {
    if (v.first)
      setenv(name, v.second.c_str(), 1);
    else
      unsetenv(name);
  };
  restore("CNNLAB_RUNS", runs), restore("XDG_DATA_HOME", xdg), restore("HOME", home);
}

TEST_CASE("utc_timestamp and run folder names") {
  CHECK(utc_timestamp(1796150412) == "2026-12-01T18:40:12Z");
  RunRecord rec;
  rec.settings.preset = "/home/t/my model.toml";
  rec.settings.seed = 3;
  RunMeta meta;
  meta.started = "2026-12-01T18:40:12Z";
  CHECK(run_folder_name(rec, meta) == "2026-12-01T18-40-12_my-model_seed3");
}

//-----------------------------------------------------------------------------
// The window's worker records its runs (Command::SetRunsDir) and runs seed series (StartSeeds).
//-----------------------------------------------------------------------------
namespace {

// Two classes of 8×8 PNGs, 20 each: 0.2 test / 0.1 validation leaves 29 train (4 batches of 8).
std::string png_folder(const test::TempDir& tmp) {
  fs::path dir = tmp.path() / "data";
  Rng rng(3);
  const char* names[] = {"bright", "dark"};
  for (int c = 0; c < 2; ++c) {
    fs::create_directories(dir / names[c]);
    for (int i = 0; i < 20; ++i) {
      Image img{8, 8, 3, std::vector<uint8_t>(8 * 8 * 3)};
      for (auto& p : img.pixels) p = uint8_t(c == 0 ? 120 + rng.below(100) : rng.below(130));
      write_png((dir / names[c] / (std::to_string(i) + ".png")).string(), img);
    }
  }
  return dir.string();
}

SnapshotPtr load_worker(TrainingWorker& w, const std::string& data, int epochs, uint64_t seed) {
  RunSettings s;
  s.data_dir = data, s.preset = "tiny", s.image_size = 8, s.epochs = epochs, s.batch_size = 8;
  s.learning_rate = 0.01f, s.threads = 1, s.seed = seed;
  w.send({Command::Load, s});
  SnapshotPtr snap = w.wait_until(
      [](const Snapshot& x) { return x.state == RunState::Ready || x.state == RunState::Error; },
      60);
  REQUIRE_MESSAGE(snap->state == RunState::Ready, snap->status);
  return snap;
}

}  // namespace

TEST_CASE("the worker records a run that ends as Done, and one stopped mid-way") {
  test::TempDir tmp("runs_worker");
  const std::string data = png_folder(tmp), runs = tmp / "runs";
  {
    TrainingWorker w;
    w.send({Command::SetRunsDir, {}, runs});
    load_worker(w, data, 2, 11);
    w.send({Command::Start});
    SnapshotPtr s = w.wait_until([](const Snapshot& x) { return x.runs_recorded == 1; }, 60);
    REQUIRE_MESSAGE(s->runs_recorded == 1, s->status);
    CHECK(s->state == RunState::Done);
    RunList list = list_runs(runs);
    REQUIRE(list.runs.size() == 1);
    CHECK(list.runs[0].stop_reason == "completed");
    CHECK(list.runs[0].epochs == 2);
    CHECK(list.runs[0].seed == 11);
    CHECK(list.runs[0].test_accuracy == s->test_eval.accuracy);
    CHECK(list.runs[0].group.empty());

    // Reset, one batch, Stop: a second run, stopped, without a test accuracy.
    w.send({Command::Reset});
    w.send({Command::OneBatch});
    w.wait_until([](const Snapshot& x) { return x.batch_losses.size() == 1; }, 60);
    w.send({Command::Stop});
    s = w.wait_until([](const Snapshot& x) { return x.runs_recorded == 2; }, 60);
    REQUIRE_MESSAGE(s->runs_recorded == 2, s->status);
    list = list_runs(runs);
    REQUIRE(list.runs.size() == 2);
    const RunSummary& stopped = list.runs[0].stop_reason == "stopped" ? list.runs[0] : list.runs[1];
    CHECK(stopped.stop_reason == "stopped");
    CHECK(stopped.epochs == 0);
    CHECK(std::isnan(stopped.test_accuracy));

    // Trained again, then the window closes: recorded on quit.
    w.send({Command::OneBatch});
    w.wait_until([](const Snapshot& x) { return x.batch_losses.size() == 2; }, 60);
  }
  CHECK(list_runs(runs).runs.size() == 3);
}

TEST_CASE("a worker without a runs folder records nothing") {
  test::TempDir tmp("runs_worker");
  const std::string data = png_folder(tmp);
  {
    TrainingWorker w;
    load_worker(w, data, 1, 3);
    w.send({Command::Start});
    SnapshotPtr s = w.wait_until([](const Snapshot& x) { return x.state == RunState::Done; }, 60);
    CHECK(s->runs_recorded == 0);
  }
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator{}) == 1);
}

TEST_CASE("StartSeeds trains seeds S..S+N-1, each its own split, recorded as one group") {
  test::TempDir tmp("runs_worker");
  const std::string data = png_folder(tmp), runs = tmp / "runs";
  TrainingWorker w;
  w.send({Command::SetRunsDir, {}, runs});
  load_worker(w, data, 1, 20);
  w.send({Command::StartSeeds, {}, {}, 3});
  SnapshotPtr s = w.wait_until(
      [](const Snapshot& x) { return x.runs_recorded == 3 && x.series_size == 0; }, 120);
  REQUIRE_MESSAGE(s->runs_recorded == 3, s->status);
  RunList list = list_runs(runs);
  REQUIRE(list.runs.size() == 3);
  std::vector<double> acc;
  std::set<uint64_t> seeds;
  for (const RunSummary& r : list.runs) {
    CHECK(r.group == list.runs[0].group);
    CHECK(r.group_size == 3);
    CHECK(r.stop_reason == "completed");
    seeds.insert(r.seed);
    acc.push_back(r.test_accuracy);
  }
  CHECK(seeds == std::set<uint64_t>{20, 21, 22});
  CHECK(list.runs[0].group.find("_tiny_seeds20-22") != std::string::npos);
  // Each seed made its own split: the runs' checkpoints hold different test indices.
  std::set<std::vector<int>> tests;
  for (const RunSummary& r : list.runs) {
    LoadedModel lm = load_safetensors(r.path + "/checkpoint.safetensors", 1, false);
    tests.insert(read_run_record(lm.metadata, r.path, 2).test_eval.indices);
  }
  CHECK(tests.size() == 3);
  SeedStats st = seed_stats(acc);
  char want[200];
  std::snprintf(want, sizeof want,
                "Done: 3 seeds. Test accuracy %.4f ± %.4f (mean ± sample std), min %.4f, max %.4f",
                st.mean, st.std, st.min, st.max);
  CHECK(s->status == want);
  CHECK(s->settings.seed == 22);  // the last seed's run stays loaded
}

TEST_CASE("listing 200 runs reads run.json and history.csv only, never a checkpoint") {
  test::TempDir tmp("runs_many");
  FinishedRun run;
  const std::string first = write_run(tmp / "runs", run.rec, run.meta, run.model);
  // 199 copies whose checkpoints are junk: a listing that opened them would fail or warn.
  write_file_atomic(first + "/checkpoint.safetensors", "not a checkpoint");
  for (int i = 1; i < 200; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "2026-12-02T00-%02d-%02d_tiny_seed%d", i / 60, i % 60, i);
    fs::copy(first, tmp.path() / "runs" / name);
  }
  RunList list = list_runs(tmp / "runs");
  CHECK(list.warnings.empty());
  REQUIRE(list.runs.size() == 200);
  CHECK(list.runs.front().path == first);  // sorted by name: the start time
  CHECK(list.runs.back().folder == "2026-12-02T00-03-19_tiny_seed199");
  for (const RunSummary& r : list.runs) CHECK(r.epochs == 2);
}
