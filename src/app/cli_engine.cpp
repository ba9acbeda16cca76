// app/cli_engine.cpp — `cnnlab summary|train|evaluate|predict`: the engine headless, Keras-style logs.
// [SECTION] helpers  [SECTION] summary  [SECTION] train  [SECTION] evaluate  [SECTION] predict
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "app/commands.h"
#include "core/error.h"
#include "core/sysinfo.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/split.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "train/progress_format.h"
#include "train/setup.h"
#include "train/trainer.h"

namespace cnnlab {

//-----------------------------------------------------------------------------
// [SECTION] helpers
//-----------------------------------------------------------------------------
namespace {

std::atomic<bool> g_stop{false};

void on_sigint(int) {
  if (g_stop.load()) _exit(130);  // second Ctrl-C: leave now
  g_stop.store(true);
  const char msg[] = "\nStopping after the current batch (Ctrl-C again to quit at once)...\n";
  ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)r;
}

// Runs `body`, turning user errors into a message and exit status 1.
template <class F>
int guarded(F&& body) {
  try {
    return body();
  } catch (const UserError& e) {
    std::fprintf(stderr, "cnnlab: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cnnlab: error: out of memory (try a smaller --image-size or --batch-size)\n");
    return 1;
  }
}

std::string default_data_dir() {
  if (const char* d = std::getenv("CNNLAB_DATA"); d && *d) return d;
  return "";
}

void add_data_options(CLI::App* cmd, RunSettings& s) {
  cmd->add_option("--data", s.data_dir, "Dataset folder: DIR/<class>/<images> (default: $CNNLAB_DATA)");
  cmd->add_option("--image-size", s.image_size, "Images are resized to N×N")->capture_default_str();
  cmd->add_option("--test-size", s.test_size, "Fraction held out for the test split")->capture_default_str();
  cmd->add_option("--validation-split", s.validation_split,
                  "Fraction of the training split used for validation (its tail, as Keras)")
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Seed for the split, the initialisation and the shuffles")
      ->capture_default_str();
  cmd->add_option("--threads", s.threads, "CPU threads")->capture_default_str();
  cmd->add_option("--batch-size", s.batch_size, "Samples per batch")->capture_default_str();
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

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

//-----------------------------------------------------------------------------
// [SECTION] summary
//-----------------------------------------------------------------------------
static int run_summary(const std::string& preset, int image_size, int classes) {
  return guarded([&] {
    if (image_size < kMinImageSize || image_size > kMaxImageSize)
      throw UserError("--image-size", "must be between " + std::to_string(kMinImageSize) + " and " +
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
};

static int run_train(TrainArgs& a) {
  return guarded([&] {
    RunSettings& s = a.s;
    if (s.data_dir.empty()) s.data_dir = default_data_dir();
    validate_settings(s);
    Dataset ds = load_dataset(s, true);
    Model model = build_preset(s.preset, s.image_size, int(ds.class_names.size()));
    std::printf("%s", model.summary_table().c_str());

    Split split = make_split(ds, s.test_size, s.validation_split, uint32_t(s.seed));
    if (split.train.empty())
      throw UserError("--test-size", "leaves no training images", "use a smaller fraction");
    Scaling sc = compute_scaling(ds, split.train);
    std::printf("Split (seed %llu): %zu train, %zu validation, %zu test", (unsigned long long)s.seed,
                split.train.size(), split.val.size(), split.test.size());
    if (split.duplicates_moved) std::printf(" (%d duplicate image(s) kept on one side)", split.duplicates_moved);
    std::printf("; scaling mean %.4f std %.4f\n", sc.mean, sc.std);

    MemoryPlan plan = plan_memory(model, s.batch_size, ds.size());
    std::printf("Memory: %s\n", plan.describe().c_str());
    if (!plan.fits()) throw UserError("--image-size " + std::to_string(s.image_size), plan.advice());
    std::fflush(stdout);

    model.set_threads(s.threads);
    model.allocate(s.batch_size);
    model.init(s.seed);
    TrainConfig cfg{s.epochs, s.batch_size, s.learning_rate, s.seed};
    Trainer trainer(model, ds, split, sc, cfg);

    bool tty = isatty(STDOUT_FILENO);
    std::printf("Train on %zu samples, validate on %zu samples\n", split.train.size(), split.val.size());
    TrainCallbacks cb;
    cb.on_epoch_begin = [&](int epoch) {
      std::printf("Epoch %d/%d\n", epoch + 1, s.epochs);
      std::fflush(stdout);
    };
    cb.on_batch = [&](const BatchProgress& p) {
      // The bar moves within the epoch on a terminal; a log file gets one line per epoch.
      if (tty && p.samples_done < p.samples_total) {
        ProgressLine l{p.samples_done, p.samples_total, p.elapsed_s, p.loss, p.accuracy};
        std::printf("\r%s\033[K", format_progress(l).c_str());
        std::fflush(stdout);
      }
    };
    cb.on_epoch = [&](const EpochRecord& r) {
      ProgressLine l{r.samples, r.samples, r.seconds, r.loss, r.accuracy, true,
                     !split.val.empty(), r.val_loss, r.val_accuracy};
      std::printf("%s%s\n", tty ? "\r" : "", format_progress(l).c_str());
      if (!a.history.empty()) trainer.history().write_csv(a.history);
      std::fflush(stdout);
    };

    g_stop.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, nullptr);
    TrainOutcome out = trainer.fit(cb, g_stop);
    signal(SIGINT, SIG_DFL);
    if (tty && out.reason != StopReason::Completed) std::printf("\n");

    int status = 0;
    if (out.reason == StopReason::NonFinite) {
      std::fprintf(stderr, "cnnlab: error: %s\n", out.message.c_str());
      status = 1;
    } else if (out.reason == StopReason::Stopped) {
      std::printf("%s.\n", out.message.c_str());
    }
    if (!a.history.empty()) {
      trainer.history().write_csv(a.history);
      std::printf("History written to %s\n", a.history.c_str());
    }
    if (!a.save.empty() && out.reason != StopReason::NonFinite) {
      save_safetensors(a.save, model, checkpoint_metadata(ds.class_names, sc, s, trainer.epoch()));
      std::printf("Checkpoint written to %s (%d epoch(s) trained)\n", a.save.c_str(), trainer.epoch());
    }
    if (out.reason == StopReason::Completed) {
      EvalResult t = trainer.evaluate(split.test);
      std::printf("Test-loss: %.4f, Test-accuracy: %.4f\n", t.loss, t.accuracy);
    }
    std::printf("Peak memory: %s\n", format_bytes(double(peak_rss_bytes())).c_str());
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
      throw UserError("--image-size " + std::to_string(s.image_size),
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
    if (a.split == "test") idx = split.test;
    else if (a.split == "val") idx = split.val;
    else if (a.split == "train") idx = split.train;
    else if (a.split == "all") for (size_t i = 0; i < ds.size(); ++i) idx.push_back(int(i));
    else throw UserError("--split", "must be test, val, train or all");
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
static int run_predict(const std::string& load, const std::vector<std::string>& images, int threads) {
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
        std::printf("%s: %s (%.1f%%)\n", path.c_str(), info.class_names[top].c_str(), 100.0 * probs[top]);
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
  sum->add_option("--model", sa->preset, "Model preset (course, small, tiny)")->capture_default_str();
  sum->add_option("--image-size", sa->image_size, "Input images are N×N×3")->capture_default_str();
  sum->add_option("--classes", sa->classes, "Number of output classes")->capture_default_str();
  sum->callback([sa, &exit_code] { exit_code = run_summary(sa->preset, sa->image_size, sa->classes); });

  auto ta = std::make_shared<TrainArgs>();
  auto* tr = app.add_subcommand("train", "Train a model on a folder of class subfolders");
  add_data_options(tr, ta->s);
  tr->add_option("--model", ta->s.preset, "Model preset (course, small, tiny)")->capture_default_str();
  tr->add_option("--epochs", ta->s.epochs, "Epochs")->capture_default_str();
  tr->add_option("--learning-rate", ta->s.learning_rate, "Adam learning rate")->capture_default_str();
  tr->add_option("--history", ta->history,
                 "Write Keras CSVLogger-style history (epoch,accuracy,loss,val_accuracy,val_loss)");
  tr->add_option("--save", ta->save, "Write a safetensors checkpoint at the end (or on Ctrl-C)");
  tr->callback([ta, &exit_code] { exit_code = run_train(*ta); });

  auto ea = std::make_shared<EvalArgs>();
  auto* ev = app.add_subcommand("evaluate", "Evaluate a checkpoint on a dataset's test split");
  ev->add_option("--load", ea->load, "Checkpoint (.safetensors) from `cnnlab train --save`")->required();
  add_data_options(ev, ea->s);
  ev->get_option("--image-size")
      ->description("Images are resized to the checkpoint's N×N; if given, must equal it")
      ->default_str("the checkpoint's");
  ev->add_option("--split", ea->split, "Which split: test, val, train or all")->capture_default_str();
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
