// app/cli_engine.cpp — `cnnlab summary|train|evaluate|predict`: the engine headless, Keras-style
// logs. [SECTION] helpers  [SECTION] summary  [SECTION] train  [SECTION] evaluate  [SECTION]
// predict
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "app/commands.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/sysinfo.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/split.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "train/progress_format.h"
#include "train/run_record.h"
#include "train/runs.h"
#include "train/setup.h"
#include "train/timelapse.h"
#include "train/trainer.h"

namespace cnnlab {

//-----------------------------------------------------------------------------
// [SECTION] helpers
//-----------------------------------------------------------------------------
namespace {

// Set by SIGINT, SIGTERM or SIGHUP: the trainer stops after the current batch, the loader between
// images.
std::atomic<bool> g_stop{false};

void on_stop_signal(int sig) {
  if (g_stop.load())
    _exit(130);  // a second signal: leave now (the next save removes our temp file)
  g_stop.store(true);
  const char* msg =
      sig == SIGINT    ? "\nStopping after the current batch (Ctrl-C again to quit at once)...\n"
      : sig == SIGTERM ? "\nSIGTERM: stopping after the current batch, then saving...\n"
                       : "\nSIGHUP: stopping after the current batch, then saving...\n";
  ssize_t r = write(STDERR_FILENO, msg, std::strlen(msg));
  (void)r;
}

// While alive: SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the run after the current batch, so the
// history and checkpoint are still written (a second one quits at once); a signal the caller
// ignores (nohup) stays ignored. SIGPIPE is ignored, so a closed `| tee` cannot kill the run before
// it saves.
class StopSignals {
 public:
  StopSignals() {
    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) sigaddset(&sa.sa_mask, kSignals[i]);
    for (int i = 0; i < 3; ++i) {
      sigaction(kSignals[i], nullptr, &old_[i]);
      if (old_[i].sa_handler != SIG_IGN)
        sigaction(kSignals[i], &sa, nullptr);  // nohup's stays ignored
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old_[3]);
  }
  ~StopSignals() {
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[4] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
  struct sigaction old_[4];
};

// Test hook, not in --help (tests/app/cli_engine_test.sh): with CNNLAB_TEST_PAUSE_FIFO=PATH and
// CNNLAB_TEST_PAUSE_AFTER_BATCH=K, after the run's K-th batch the CLI writes "paused" into the
// FIFO, then waits until the test writes to it and closes it. In between the test signals the
// process or breaks a destination: signal and write-failure paths are tested without sleeps or
// races.
struct TestPause {
  std::string fifo;
  long after = -1, batches = 0;

  static TestPause from_env() {
    TestPause p;
    const char* fifo = std::getenv("CNNLAB_TEST_PAUSE_FIFO");
    const char* after = std::getenv("CNNLAB_TEST_PAUSE_AFTER_BATCH");
    if (fifo && *fifo && after && *after) {
      p.fifo = fifo;
      p.after = std::atol(after);
    }
    return p;
  }
  void on_batch() {
    if (fifo.empty() || ++batches != after) return;
    if (FILE* f = std::fopen(fifo.c_str(), "w")) {
      std::fputs("paused\n", f);
      std::fclose(f);
    }
    if (FILE* f = std::fopen(fifo.c_str(), "r")) {
      while (std::fgetc(f) != EOF) {
      }
      std::fclose(f);
    }
  }
};

// --seed as numpy's RandomState takes it (the split reproduces its permutation): CLI11 alone would
// wrap -1 and saturate 2^64 without a word.
std::string check_seed(std::string& text) {
  bool digits = !text.empty() && text.size() <= 10 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && std::stoull(text) <= kMaxSeed) return {};
  return "must be a whole number from 0 to 4294967295 (numpy's random_state range), not '" + text +
         "'";
}

void add_data_options(CLI::App* cmd, RunSettings& s) {
  cmd->add_option("--data", s.data_dir,
                  "Dataset folder: DIR/<class>/<images> (default: $CNNLAB_DATA)");
  cmd->add_option(
      "--image-size", s.image_size,
      "Images are resized to N×N (default: the model preset's: course 299, small 64, tiny 32)");
  cmd->add_option("--test-size", s.test_size, "Fraction held out for the test split")
      ->capture_default_str();
  cmd->add_option("--validation-split", s.validation_split,
                  "Fraction of the training split used for validation (its tail, as Keras)")
      ->capture_default_str();
  cmd->add_option("--seed", s.seed,
                  "Seed for the split, the initialisation and the shuffles (0 to 4294967295)")
      ->check(CLI::Validator(check_seed, ""))
      ->capture_default_str();
  cmd->add_option("--threads", s.threads, "CPU threads")->capture_default_str();
  cmd->add_option("--batch-size", s.batch_size,
                  "Samples per batch (train: default the model file's [fit] batch_size, else 32)")
      ->capture_default_str();
}

Dataset load_dataset(const RunSettings& s, bool verbose) {
  if (s.data_dir.empty())
    throw UserError("--data", "no dataset folder given",
                    "pass --data DIR (a folder of class subfolders) or set CNNLAB_DATA");
  LoadOptions opt;
  opt.image_size = s.image_size;
  opt.threads = s.threads;
  bool tty = isatty(STDERR_FILENO);
  if (verbose && tty)
    opt.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rLoading images: %zu/%zu", done, total);
      std::fflush(stderr);
    };
  opt.cancel = &g_stop;
  LoadReport report;
  auto t0 = std::chrono::steady_clock::now();
  Dataset ds = load_image_folder(s.data_dir, opt, &report);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (verbose && tty) std::fprintf(stderr, "\r\033[K");
  if (verbose) {
    std::string names;
    for (size_t i = 0; i < ds.class_names.size(); ++i) names += (i ? ", " : "") + ds.class_names[i];
    std::printf("Found %zu images in %zu classes (%s), resized to %dx%d in %.1fs.\n", ds.size(),
                ds.class_names.size(), names.c_str(), s.image_size, s.image_size, secs);
  }
  if (!report.skipped.empty()) {
    std::fprintf(stderr, "Skipped %zu file(s):\n", report.skipped.size());
    for (const SkippedFile& f : report.skipped)
      std::fprintf(stderr, "  %s: %s\n", f.path.c_str(), f.reason.c_str());
  }
  return ds;
}

}  // namespace

//-----------------------------------------------------------------------------
// [SECTION] summary
//-----------------------------------------------------------------------------
static int run_summary(const std::string& preset, int image_size, int classes) {
  return guarded([&] {
    if (image_size < kMinImageSize || image_size > kMaxImageSize)
      throw UserError("--image-size",
                      "must be between " + std::to_string(kMinImageSize) + " and " +
                          std::to_string(kMaxImageSize) + " pixels",
                      "the course uses 299");
    Model m = build_preset(preset, image_size, classes);
    std::printf("%s", m.summary_table().c_str());
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] train
//-----------------------------------------------------------------------------
struct TrainArgs {
  RunSettings s;
  std::string history, save;
  bool image_size_given = false;  // else the preset's own size
  std::string runs_dir;           // --runs; "" after prepare_train: --no-runs
  bool no_runs = false;
  int seeds = 1;                  // --seeds N: seeds s.seed … s.seed + N − 1, one run each
  RunMeta series;                 // the run's group (a --seeds series) and start time, set per seed
  bool epochs_given = false;      // else the model file's [fit] epochs, if it has them
  bool batch_size_given = false;  // else the model file's [fit] batch_size, if it has one
};

// --save/--history of one seed of a series: the seed before the extension ("m_seed42.safetensors").
static std::string seed_path(const std::string& path, int seeds, uint64_t seed) {
  if (path.empty() || seeds <= 1) return path;
  std::filesystem::path p(path);
  return (p.parent_path() /
          (p.stem().string() + "_seed" + std::to_string(seed) + p.extension().string()))
      .string();
}

// Fills in what the user left out and checks every setting and both destinations now, so nothing
// that could fail before training fails after it.
static void prepare_train(TrainArgs& a) {
  RunSettings& s = a.s;
  if (s.data_dir.empty()) s.data_dir = default_data_dir();
  if (!a.image_size_given) s.image_size = default_image_size(s.preset);
  validate_settings(s);
  check_preset(s.preset,
               s.image_size);  // the layer list only: an unknown or bad --model fails here
  if (a.seeds < 1 || a.seeds > 1000) throw UserError("--seeds", "must be between 1 and 1000");
  if (s.seed + uint64_t(a.seeds - 1) > kMaxSeed)
    throw UserError("--seeds", "the last seed would pass 4294967295", "choose a smaller --seed");
  for (int i = 0; i < a.seeds; ++i) {
    if (!a.history.empty()) check_writable(seed_path(a.history, a.seeds, s.seed + i));
    if (!a.save.empty()) check_writable(seed_path(a.save, a.seeds, s.seed + i));
  }
  if (a.no_runs) {
    a.runs_dir.clear();
    return;
  }
  if (a.runs_dir.empty()) a.runs_dir = default_runs_dir();
  if (a.runs_dir.empty())
    throw UserError("--runs", "no runs folder: neither CNNLAB_RUNS, XDG_DATA_HOME nor HOME is set",
                    "pass --runs DIR, or --no-runs");
  std::error_code ec;
  std::filesystem::create_directories(a.runs_dir, ec);
  check_writable(a.runs_dir + "/.cnnlab-write-check");
}

// The split (naming the option that leaves nothing to train on), its scaling, and their log line.
static Split split_for_training(const Dataset& ds, const RunSettings& s, Scaling& sc) {
  Split split = make_split(ds, s.test_size, s.validation_split, uint32_t(s.seed));
  check_split(split, s);
  sc = compute_scaling(ds, split.train);
  std::printf("Split (seed %llu): %zu train, %zu validation, %zu test", (unsigned long long)s.seed,
              split.train.size(), split.val.size(), split.test.size());
  if (split.duplicates_moved)
    std::printf(" (%d duplicate image(s) kept on one side)", split.duplicates_moved);
  std::printf("; scaling mean %.4f std %.4f\n", sc.mean, sc.std);
  return split;
}

static void check_memory(const Model& model, const RunSettings& s, size_t num_images) {
  MemoryPlan plan = plan_memory(model, s.batch_size, num_images);
  std::printf("Memory: %s\n", plan.describe().c_str());
  if (!plan.fits()) throw UserError("--image-size " + std::to_string(s.image_size), plan.advice());
  std::fflush(stdout);
}

// Writes --history after every epoch. A failure mid-run is reported once and training goes on (the
// next epoch tries again); the final write decides the exit status.
struct HistoryWriter {
  std::string path, last_error;

  bool write(const History& h, bool final) {
    try {
      h.write_csv(path);
      last_error.clear();
      return true;
    } catch (const UserError& e) {
      if (final)
        std::fprintf(stderr, "cnnlab: error: history not written: %s\n", e.what());
      else if (last_error != e.what())
        std::fprintf(
            stderr,
            "cnnlab: warning: %s (training goes on; the history is retried after each epoch)\n",
            e.what());
      last_error = e.what();
      return false;
    }
  }
};

// Keras-style progress on stdout: the bar moves within the epoch on a terminal; a log file gets
// one line per epoch.
static TrainCallbacks progress_callbacks(const RunSettings& s, bool has_val, Trainer& trainer,
                                         HistoryWriter& history, TestPause& pause) {
  bool tty = isatty(STDOUT_FILENO);
  TrainCallbacks cb;
  cb.on_epoch_begin = [epochs = s.epochs](int epoch) {
    std::printf("Epoch %d/%d\n", epoch + 1, epochs);
    std::fflush(stdout);
  };
  cb.on_batch = [tty, &pause](const BatchProgress& p) {
    if (tty && p.samples_done < p.samples_total) {
      ProgressLine l{p.samples_done, p.samples_total, p.elapsed_s, p.loss, p.accuracy};
      std::printf("\r%s\033[K", format_progress(l).c_str());
      std::fflush(stdout);
    }
    pause.on_batch();
  };
  cb.on_epoch = [tty, has_val, &trainer, &history](const EpochRecord& r) {
    ProgressLine l{r.samples, r.samples, r.seconds,  r.loss,        r.accuracy,
                   true,      has_val,   r.val_loss, r.val_accuracy};
    std::printf("%s%s\n", tty ? "\r" : "", format_progress(l).c_str());
    std::fflush(stdout);
    if (!trainer.callback_log().empty()) std::printf("%s\n", trainer.callback_log().c_str());
    if (!history.path.empty()) history.write(trainer.history(), false);
  };
  return cb;
}

// Writes the checkpoint; if that fails (its folder vanished during the run, the disk filled up) the
// weights go to a rescue file in the temp folder instead, so hours of training are not lost.
static bool save_checkpoint(const std::string& path, Trainer& trainer,
                            const std::map<std::string, std::string>& meta) {
  try {
    save_safetensors(path, trainer.model(), meta);
    std::printf("Checkpoint written to %s (%d epoch(s) trained)\n", path.c_str(), trainer.epoch());
    return true;
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: error: checkpoint not written: %s\n", e.what());
  }
  std::error_code ec;
  std::string rescue = (std::filesystem::temp_directory_path(ec) /
                        ("cnnlab-rescue-" + std::to_string(::getpid()) + ".safetensors"))
                           .string();
  try {
    save_safetensors(rescue, trainer.model(), meta);
    std::fprintf(stderr,
                 "Checkpoint rescued to %s (%d epoch(s) trained): move it where you want it\n",
                 rescue.c_str(), trainer.epoch());
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: error: rescue copy not written either: %s\n", e.what());
  }
  return false;
}

// After fit: the outcome, the history, the test split (a completed run), the checkpoint (also after
// a stop) with the run's record, so the window opens it with its curves and matrices.
// Returns the exit status: 0 done, 130 stopped by a signal, 1 a NaN loss or a file not written.
// Records the run in the runs folder; a failure is a warning (the run itself went well).
static void record_run(const TrainArgs& a, Trainer& trainer, const TrainOutcome& out,
                       const std::vector<std::string>& class_names, const Scaling& sc,
                       const SplitEval& test, const TimelapsePtr& timelapse) {
  if (a.runs_dir.empty()) return;
  RunMeta meta = a.series;
  if (timelapse) add_timelapse(meta.checkpoint_extra, *timelapse);
  meta.data_dir = std::filesystem::absolute(a.s.data_dir).string();
  meta.class_names = class_names;
  meta.scaling = sc;
  meta.ended = utc_timestamp();
  meta.stop_reason = out.reason == StopReason::Completed ? "completed"
                     : out.reason == StopReason::Stopped ? "stopped"
                                                         : "non-finite";
  try {
    std::string dir =
        write_run(a.runs_dir, run_record_of(trainer, a.s, test), meta, trainer.model());
    std::printf("Run recorded in %s\n", dir.c_str());
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: warning: run not recorded: %s\n", e.what());
  }
}

static int finish_train(const TrainArgs& a, Trainer& trainer, const TrainOutcome& out,
                        const std::vector<std::string>& class_names, const Scaling& sc,
                        HistoryWriter& history, double& test_accuracy,
                        const TimelapsePtr& timelapse) {
  if (isatty(STDOUT_FILENO) && out.reason != StopReason::Completed) std::printf("\n");
  int status = out.reason == StopReason::Completed ? 0
               : out.reason == StopReason::Stopped ? 130
                                                   : 1;
  if (out.reason == StopReason::NonFinite)
    std::fprintf(stderr, "cnnlab: error: %s (hint: try a smaller --learning-rate)\n",
                 out.message.c_str());
  else if (out.reason == StopReason::Stopped)
    std::printf("%s.\n", out.message.c_str());
  if (!a.history.empty()) {
    if (history.write(trainer.history(), true))
      std::printf("History written to %s\n", a.history.c_str());
    else
      status = 1;
  }
  SplitEval test;  // epoch -1: not evaluated
  if (out.reason == StopReason::Completed) {
    EvalResult t = trainer.evaluate(trainer.split().test);
    std::printf("Test-loss: %.4f, Test-accuracy: %.4f\n", t.loss, t.accuracy);
    test = make_split_eval("test", trainer.epoch(), trainer.split().test, t);
    test_accuracy = t.accuracy;
  }
  if (!a.save.empty() && out.reason != StopReason::NonFinite) {
    auto meta = checkpoint_metadata(class_names, sc, a.s, trainer.epoch());
    add_run_record(meta, run_record_of(trainer, a.s, test));
    if (timelapse) add_timelapse(meta, *timelapse);
    if (!save_checkpoint(a.save, trainer, meta)) status = 1;
  }
  record_run(a, trainer, out, class_names, sc, test, timelapse);
  std::printf("Peak memory: %s\n", format_bytes(double(peak_rss_bytes())).c_str());
  return status;
}

// One run on the loaded dataset with a.s's seed; test_accuracy is set when the run completes.
static int train_one_seed(TrainArgs a, const Dataset& ds, double& test_accuracy) {
  RunSettings& s = a.s;
  Model model = build_preset(s.preset, s.image_size, int(ds.class_names.size()));
  if (a.series.group_index == 0) std::printf("%s", model.summary_table().c_str());
  Scaling sc;
  Split split = split_for_training(ds, s, sc);
  if (!a.batch_size_given && model.fit.batch_size > 0) {
    s.batch_size = model.fit.batch_size;
    if (a.series.group_index == 0)
      std::printf("Batch size %d (the model file's [fit] batch_size)\n", s.batch_size);
  }
  check_memory(model, s, ds.size());

  model.set_threads(s.threads);
  model.allocate(s.batch_size);
  model.init(s.seed);
  if (!a.epochs_given && model.fit.epochs > 0) s.epochs = model.fit.epochs;
  Trainer trainer(model, ds, split, sc,
                  TrainConfig{s.epochs, s.batch_size, s.learning_rate, s.seed});
  const FitConfig fit = effective_fit(model.fit, s.early_stopping, s.reduce_lr);
  trainer.set_callbacks(fit);
  // A/B benchmark knob (see bench/README.md): CNNLAB_PREFETCH=0 augments inline in train_step,
  // N >= 1 prepares the next batch on a background thread with N OpenMP threads (default 1).
  if (const char* p = std::getenv("CNNLAB_PREFETCH"))
    trainer.set_prefetch(std::atoi(p) > 0, std::max(1, std::atoi(p)));
  if (a.series.group_index == 0 && (fit.early_stopping.enabled || fit.reduce_lr.enabled ||
                                    fit.cosine_decay.enabled || fit.mixup.enabled))
    std::printf("Callbacks: %s\n", describe_callbacks(fit).c_str());
  HistoryWriter history{a.history, {}};
  TestPause pause = TestPause::from_env();
  std::printf("Train on %zu samples, validate on %zu samples\n", split.train.size(),
              split.val.size());
  // The time-lapse (train/timelapse.h) as the window records it: the first test image probed.
  const int probe = split.test.empty() ? -1 : split.test.front();
  TimelapsePtr timelapse =
      timelapse_append(nullptr, capture_timelapse_frame(0, model, ds, sc, probe, nullptr));
  TrainCallbacks cb = progress_callbacks(s, !split.val.empty(), trainer, history, pause);
  cb.on_epoch = [&, print = cb.on_epoch](const EpochRecord& r) {
    print(r);
    SplitEval v =
        make_split_eval("validation", trainer.epoch(), split.val, trainer.last_val_eval());
    timelapse = timelapse_append(
        timelapse, capture_timelapse_frame(trainer.epoch(), model, ds, sc, probe, &v));
  };
  TrainOutcome out = trainer.fit(cb, g_stop);
  return finish_train(a, trainer, out, ds.class_names, sc, history, test_accuracy, timelapse);
}

// "test accuracy over 3 seeds: 0.7500 ± 0.0833 (mean ± sample std), min 0.6667, max 0.8333"
static void print_seed_stats(const std::vector<double>& acc, int planned) {
  SeedStats st = seed_stats(acc);
  if (st.n == 0) return;
  std::string over = std::to_string(st.n) + " seed" + (st.n > 1 ? "s" : "");
  if (st.n < planned) over += " (of " + std::to_string(planned) + " planned)";
  std::printf("test accuracy over %s: %.4f ± %.4f (mean ± sample std), min %.4f, max %.4f\n",
              over.c_str(), st.mean, st.std, st.min, st.max);
}

static int run_train(TrainArgs& a) {
  return guarded([&] {
    prepare_train(a);
    StopSignals signals;
    Dataset ds;
    try {
      ds = load_dataset(a.s, true);
    } catch (const UserError&) {
      if (!g_stop.load()) throw;
      std::printf("Stopped while loading images.\n");
      return 130;
    }
    const std::string started = utc_timestamp();
    std::vector<double> accuracies;
    int status = 0;
    for (int i = 0; i < a.seeds && !g_stop.load(); ++i) {
      TrainArgs one = a;
      one.s.seed = a.s.seed + uint64_t(i);
      one.history = seed_path(a.history, a.seeds, one.s.seed);
      one.save = seed_path(a.save, a.seeds, one.s.seed);
      one.series.started = i == 0 ? started : utc_timestamp();
      if (a.seeds > 1) {
        one.series.group = seed_group_id(started, a.s.preset, a.s.seed, a.seeds);
        one.series.group_index = i, one.series.group_size = a.seeds;
        std::printf("Seed %llu (%d/%d)\n", (unsigned long long)one.s.seed, i + 1, a.seeds);
      }
      double acc = NAN;
      int st = train_one_seed(one, ds, acc);
      if (!std::isnan(acc)) accuracies.push_back(acc);
      if (st != 0 && status != 130) status = st;
    }
    if (a.seeds > 1) print_seed_stats(accuracies, a.seeds);
    return status;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] evaluate
//-----------------------------------------------------------------------------
struct EvalArgs {
  RunSettings s;
  std::string load, split = "test";
  bool image_size_given = false;  // --image-size must then equal the checkpoint's input size
};

static int run_evaluate(EvalArgs& a) {
  return guarded([&] {
    RunSettings& s = a.s;
    if (s.data_dir.empty()) s.data_dir = default_data_dir();
    validate_settings(s);  // batch size and threads before anything is allocated
    LoadedModel lm = load_safetensors(a.load, s.batch_size, /*for_training=*/false);
    CheckpointInfo info = read_checkpoint_info(lm.metadata, a.load, lm.model.num_classes());
    // The loader admits only square RGB inputs (check_model), the images the dataset loader makes.
    const int size = lm.model.input_h();
    if (a.image_size_given && s.image_size != size)
      throw UserError(
          "--image-size " + std::to_string(s.image_size),
          "the checkpoint's model takes " + std::to_string(size) + "x" + std::to_string(size) +
              " images (its dense layers are sized for it)",
          "leave --image-size out: evaluate resizes the images to the checkpoint's size");
    s.image_size = size;
    Dataset ds = load_dataset(s, true);
    if (ds.class_names != info.class_names)
      throw UserError(s.data_dir, "its classes differ from the checkpoint's",
                      "evaluate on a folder with the same class subfolders");
    Split split = make_split(ds, s.test_size, s.validation_split, uint32_t(s.seed));
    std::vector<int> idx;
    if (a.split == "test")
      idx = split.test;
    else if (a.split == "val")
      idx = split.val;
    else if (a.split == "train")
      idx = split.train;
    else if (a.split == "all")
      for (size_t i = 0; i < ds.size(); ++i) idx.push_back(int(i));
    else
      throw UserError("--split", "must be test, val, train or all");
    lm.model.set_threads(s.threads);
    TrainConfig cfg;
    cfg.batch_size = s.batch_size;
    Trainer t(lm.model, ds, split, info.scaling, cfg);
    EvalResult r = t.evaluate(idx);
    if (!std::isfinite(r.loss))
      throw UserError(a.load, "the model's loss on these images is not a number",
                      "its weights are too large (the run that wrote it diverged); retrain it");
    std::printf("Evaluated %d images (%s split)\n", r.count, a.split.c_str());
    std::printf("Test-loss: %.4f, Test-accuracy: %.4f\n", r.loss, r.accuracy);
    int k = lm.model.num_classes();
    std::printf("Confusion matrix (rows: true, columns: predicted):\n%12s", "");
    for (int j = 0; j < k; ++j) std::printf(" %10.10s", ds.class_names[j].c_str());
    std::printf("\n");
    for (int i = 0; i < k; ++i) {
      std::printf("%12.12s", ds.class_names[i].c_str());
      for (int j = 0; j < k; ++j) std::printf(" %10d", r.confusion[size_t(i) * k + j]);
      std::printf("\n");
    }
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] predict
//-----------------------------------------------------------------------------
static int run_predict(const std::string& load, const std::vector<std::string>& images,
                       int threads) {
  return guarded([&] {
    if (threads < 1 || threads > 256) throw UserError("--threads", "must be between 1 and 256");
    LoadedModel lm = load_safetensors(load, 1, /*for_training=*/false);
    CheckpointInfo info = read_checkpoint_info(lm.metadata, load, lm.model.num_classes());
    lm.model.set_threads(threads);
    // resize_rgb makes h×w×3; the loader admits only 3-channel inputs (check_model), so x fits.
    int h = lm.model.input_h(), w = lm.model.input_w(), k = lm.model.num_classes();
    std::vector<float> x(size_t(h) * w * 3), probs(k);
    int failures = 0;
    for (const std::string& path : images) {
      try {
        Image img = resize_rgb(decode_image_file(path), w, h);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = (img.pixels[i] / 255.0f - info.scaling.mean) / info.scaling.std;
        lm.model.forward(x.data(), 1, probs.data());
        for (float p : probs)  // finite weights can still overflow to inf logits: no "nan%" answers
          if (!std::isfinite(p))
            throw UserError(path, "the model's output for this image is not a number",
                            "its weights in " + load + " are too large; retrain it");
        int top = argmax_row(probs.data(), k);
        std::printf("%s: %s (%.1f%%)\n", path.c_str(), info.class_names[top].c_str(),
                    100.0 * probs[top]);
        for (int c = 0; c < k; ++c)
          std::printf("  %-12s %6.2f%%\n", info.class_names[c].c_str(), 100.0 * probs[c]);
      } catch (const UserError& e) {
        std::fprintf(stderr, "cnnlab: error: %s\n", e.what());
        ++failures;
      }
    }
    return failures ? 1 : 0;
  });
}

//-----------------------------------------------------------------------------
// registration
//-----------------------------------------------------------------------------
void register_engine_commands(CLI::App& app, int& exit_code) {
  // Each command's option storage is owned by its callback (a shared_ptr the parser keeps alive),
  // so the bound references stay valid without statics.
  struct SummaryArgs {
    std::string preset = "course";
    int image_size = 299, classes = 5;
  };
  auto sa = std::make_shared<SummaryArgs>();
  auto* sum = app.add_subcommand("summary", "Print the model's Keras-style summary table");
  sum->add_option("--model", sa->preset,
                  "Model: a preset (models/NAME.toml) or a model file's path")
      ->capture_default_str();
  sum->add_option("--image-size", sa->image_size, "Input images are N×N×3 (default: the model's)");
  sum->add_option("--classes", sa->classes, "Number of output classes")->capture_default_str();
  sum->callback([sa, sum, &exit_code] {
    if (sum->count("--image-size") == 0) sa->image_size = default_image_size(sa->preset);
    exit_code = run_summary(sa->preset, sa->image_size, sa->classes);
  });

  auto ta = std::make_shared<TrainArgs>();
  auto* tr = app.add_subcommand("train", "Train a model on a folder of class subfolders");
  add_data_options(tr, ta->s);
  tr->add_option("--model", ta->s.preset,
                 "Model: a preset (course, compact, ...: models/NAME.toml) or a model file's path; "
                 "it brings its own --image-size")
      ->capture_default_str();
  tr->add_option("--epochs", ta->s.epochs,
                 "Epochs (default: the model file's [fit] epochs, else 25)")
      ->capture_default_str();
  tr->add_option("--early-stopping", ta->s.early_stopping,
                 "Keras EarlyStopping(monitor='val_loss', restore_best_weights=True) with this "
                 "patience in epochs; 0 turns off one the model file's [fit] table asks for")
      ->default_str("the model file's");
  tr->add_option("--reduce-lr", ta->s.reduce_lr,
                 "Keras ReduceLROnPlateau(monitor='val_loss', factor=0.1) with this patience in "
                 "epochs; 0 turns off the model file's")
      ->default_str("the model file's");
  tr->add_option("--learning-rate", ta->s.learning_rate, "Adam learning rate")
      ->capture_default_str();
  tr->add_option("--history", ta->history,
                 "Write Keras CSVLogger-style history (epoch,accuracy,loss,val_accuracy,val_loss; "
                 "an lr column after loss when ReduceLROnPlateau runs)");
  tr->add_option("--save", ta->save,
                 "Write a safetensors checkpoint at the end (or on Ctrl-C, SIGTERM, SIGHUP)");
  tr->add_option("--seeds", ta->seeds,
                 "Repeat the run over N seeds: --seed S, S+1, ..., S+N-1, each making its own "
                 "split, initialisation and shuffles; prints the test accuracy's mean ± std. With "
                 "--save/--history each seed writes its own file, the seed in its name "
                 "(m_seed42.safetensors)")
      ->capture_default_str();
  tr->add_option("--runs", ta->runs_dir,
                 "Record the run in this runs folder (default: $CNNLAB_RUNS, else "
                 "$XDG_DATA_HOME/cnnlab/runs, else ~/.local/share/cnnlab/runs)");
  tr->add_flag("--no-runs", ta->no_runs, "Do not record the run in the runs folder");
  tr->callback([ta, tr, &exit_code] {
    ta->image_size_given = tr->count("--image-size") > 0;
    ta->epochs_given = tr->count("--epochs") > 0;
    ta->batch_size_given = tr->count("--batch-size") > 0;
    exit_code = run_train(*ta);
  });

  auto ea = std::make_shared<EvalArgs>();
  auto* ev = app.add_subcommand("evaluate", "Evaluate a checkpoint on a dataset's test split");
  ev->add_option("--load", ea->load, "Checkpoint (.safetensors) from `cnnlab train --save`")
      ->required();
  add_data_options(ev, ea->s);
  ev->get_option("--image-size")
      ->description("Images are resized to the checkpoint's N×N; if given, must equal it")
      ->default_str("the checkpoint's");
  ev->add_option("--split", ea->split, "Which split: test, val, train or all")
      ->capture_default_str();
  ev->callback([ea, ev, &exit_code] {
    ea->image_size_given = ev->count("--image-size") > 0;
    exit_code = run_evaluate(*ea);
  });

  struct PredictArgs {
    std::string load;
    std::vector<std::string> images;
    int threads = 2;
  };
  auto pa = std::make_shared<PredictArgs>();
  auto* pr = app.add_subcommand("predict", "Classify images with a checkpoint");
  pr->add_option("--load", pa->load, "Checkpoint (.safetensors)")->required();
  pr->add_option("--threads", pa->threads, "CPU threads")->capture_default_str();
  pr->add_option("images", pa->images, "Image files")->required();
  pr->callback([pa, &exit_code] { exit_code = run_predict(pa->load, pa->images, pa->threads); });
}

}  // namespace cnnlab
