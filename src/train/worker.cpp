// train/worker.cpp — the worker thread: a command queue (condition variable, no polling), the
// trainer driven batch by batch, snapshots published under a short lock.
// [SECTION] state  [SECTION] thread loop  [SECTION] commands  [SECTION] training  [SECTION]
// snapshots
#include "train/worker.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "data/image.h"
#include "nn/explain.h"
#include "nn/serialize.h"
#include "train/progress_format.h"
#include "train/run_record.h"
#include "train/runs.h"
#include "train/timelapse.h"
#include "train/trainer.h"

namespace cnnlab {

const char* run_state_name(RunState s) {
  switch (s) {
    case RunState::Empty:
      return "no data";
    case RunState::Loading:
      return "loading";
    case RunState::Ready:
      return "ready";
    case RunState::Training:
      return "training";
    case RunState::Paused:
      return "paused";
    case RunState::Done:
      return "done";
    case RunState::Error:
      return "error";
  }
  return "?";
}

//-----------------------------------------------------------------------------
// [SECTION] state
//-----------------------------------------------------------------------------
using Clock = std::chrono::steady_clock;

struct TrainingWorker::Impl {
  // Shared with the UI thread.
  std::mutex q_mutex;
  std::condition_variable q_cv;
  std::deque<Command> queue;
  mutable std::mutex snap_mutex;
  mutable std::condition_variable snap_cv;
  SnapshotPtr snap = std::make_shared<const Snapshot>();
  std::atomic<bool> quit{false};
  std::atomic<bool> interrupt{false};  // set by Pause/Stop/Quit while a batch runs
  std::thread thread;

  // Worker-thread only.
  enum class Mode { Idle, Run, UntilBatch, UntilEpoch } mode = Mode::Idle;
  Snapshot cur;  // the working copy; published as a fresh immutable copy
  std::shared_ptr<Dataset> data;
  std::unique_ptr<Model> model;
  std::unique_ptr<Trainer> trainer;
  int refresh = 1, since_publish = 0;
  // While training, snapshots go out at most 5 times a second (hooks.min_publish_interval_s): each
  // costs a probe forward pass and copies, and a window draws each one; short batches (small
  // models) would otherwise lose ~8%.
  Clock::time_point last_publish{};
  Clock::time_point last_probe{};
  Clock::duration probe_cost{};  // how long the last probe forward pass took
  std::vector<float> probe_x;
  // The weights the probe's activations were computed with (Inspect recomputes them if they moved).
  int64_t probe_step = -1;
  uint64_t probe_weights = 0;
  Image own_photo, own_resized;  // SetProbeImage's photo as decoded, and at the data's size
  TestHooks hooks;
  // The runs folder: the run in progress is recorded when it ends (runs.h).
  std::string runs_dir;
  bool trained = false;     // batches trained since the run was last recorded (or began)
  std::string run_started;  // utc_timestamp() of its first batch
  struct Series {
    int size = 0, index = 0;  // size 0: no series
    uint64_t first_seed = 0;
    std::string group;
    std::vector<double> accuracy;
  } series;

  void run();
  void record_run(const char* reason);
  void start_series(int n);
  void begin_seed(uint64_t seed);
  void end_of_run();
  void handle(const Command& c);
  void train_one();
  void publish();
  void set_error(const std::string& msg);
  void do_load(const RunSettings& s);
  void stop();
  void evaluate_test();
  void save_checkpoint(const std::string& path);
  void load_checkpoint(const std::string& path);
  void restore_record(const RunRecord& rec, const std::vector<std::string>& class_names);
  void apply_settings(const RunSettings& want);
  void grow_model(int batch_size);
  void reset_model(bool announce = true);
  void capture_weights(std::vector<TensorCopy>& out);
  void capture_probe();
  void inspect(const Command& c);
  const float* probe_output(int layer) const;
  void probe_input();
  void set_probe_image(const std::string& path);
  void record_frame();  // appends this epoch's time-lapse frame (after the captures)
  void finish_epoch();
  void set_callbacks();
  void fill_eval(SplitEval& e, const std::string& name, const std::vector<int>& idx,
                 const EvalResult& r);
};

TrainingWorker::TrainingWorker() : TrainingWorker(0) {}

TrainingWorker::TrainingWorker(int nice) : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([this, nice] {
    // Linux: nice is per thread; 0 = this thread. Failure only means no priority change.
    if (nice > 0) (void)setpriority(PRIO_PROCESS, 0, nice);
    impl_->run();
  });
}

TrainingWorker::~TrainingWorker() {
  impl_->quit.store(true);
  impl_->interrupt.store(true);
  {
    std::lock_guard<std::mutex> lock(impl_->q_mutex);
    impl_->queue.push_back(Command{Command::Quit});
  }
  impl_->q_cv.notify_one();
  impl_->thread.join();
}

void TrainingWorker::send(Command c) {
  if (c.kind == Command::Pause || c.kind == Command::Stop || c.kind == Command::Quit)
    impl_->interrupt.store(true);
  {
    std::lock_guard<std::mutex> lock(impl_->q_mutex);
    impl_->queue.push_back(std::move(c));
  }
  impl_->q_cv.notify_one();
}

void TrainingWorker::set_test_hooks(TestHooks hooks) {
  std::lock_guard<std::mutex> lock(impl_->q_mutex);  // the worker reads them after taking a command
  impl_->hooks = std::move(hooks);
}

SnapshotPtr TrainingWorker::latest() const {
  std::lock_guard<std::mutex> lock(impl_->snap_mutex);
  return impl_->snap;
}

SnapshotPtr TrainingWorker::wait_until(const std::function<bool(const Snapshot&)>& pred,
                                       double timeout_s) const {
  std::unique_lock<std::mutex> lock(impl_->snap_mutex);
  impl_->snap_cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                          [&] { return pred(*impl_->snap); });
  return impl_->snap;
}

//-----------------------------------------------------------------------------
// [SECTION] thread loop
//-----------------------------------------------------------------------------
void TrainingWorker::Impl::run() {
  while (!quit.load()) {
    Command c;
    bool have = false;
    {
      std::unique_lock<std::mutex> lock(q_mutex);
      if (mode == Mode::Idle) q_cv.wait(lock, [&] { return !queue.empty(); });
      if (!queue.empty()) {
        c = std::move(queue.front());
        queue.pop_front();
        have = true;
      }
    }
    if (have) {
      if (c.kind == Command::Quit) break;
      if (c.kind == Command::SetRunsDir) {  // needs no model
        runs_dir = c.path;
        continue;
      }
      try {
        handle(c);
      } catch (const UserError& e) {
        set_error(e.what());
      } catch (const std::bad_alloc&) {
        set_error("out of memory: choose a smaller image size or model");
      }
      continue;  // drain commands before training further
    }
    if (mode != Mode::Idle && trainer) {
      try {
        train_one();
      } catch (const UserError& e) {
        set_error(e.what());
      }
    }
  }
  record_run("stopped");  // the window closed after training started
}

//-----------------------------------------------------------------------------
// [SECTION] commands
//-----------------------------------------------------------------------------
void TrainingWorker::Impl::set_error(const std::string& msg) {
  mode = Mode::Idle;
  cur.error = msg;
  if (!trainer) cur.state = RunState::Error;
  cur.status = "Error: " + msg;
  publish();
}

void TrainingWorker::Impl::handle(const Command& c) {
  interrupt.store(false);
  cur.error.clear();
  bool need_model = c.kind != Command::Load && c.kind != Command::SetRefresh;
  if (need_model && !trainer) {
    cur.status = "Load a dataset first";
    publish();
    return;
  }
  switch (c.kind) {
    case Command::Load:
      do_load(c.settings);
      break;
    case Command::StartSeeds:
      start_series(std::max(1, c.index));
      break;
    case Command::Start:
    case Command::Resume:
      if (trainer->epoch() >= cur.epochs) {
        cur.status =
            "All " + std::to_string(cur.epochs) + " epochs are done: raise Epochs or Reset";
        cur.state = RunState::Done;
      } else {
        if (trainer->early_stopped()) trainer->reset_callbacks();  // a new fit(), as in Keras
        mode = Mode::Run;
        cur.state = RunState::Training;
        cur.status = "Training";
      }
      publish();
      break;
    case Command::OneBatch:
      if (trainer->epoch() < cur.epochs) mode = Mode::UntilBatch, cur.state = RunState::Training;
      break;
    case Command::OneEpoch:
      if (trainer->epoch() < cur.epochs) mode = Mode::UntilEpoch, cur.state = RunState::Training;
      break;
    case Command::Pause:
      mode = Mode::Idle;
      cur.state = RunState::Paused;
      cur.status = "Paused in epoch " + std::to_string(trainer->epoch() + 1);
      capture_weights(cur.conv_kernels);  // the last batches' publish may have been skipped
      capture_probe();
      publish();
      break;
    case Command::Stop:
      stop();
      break;
    case Command::Reset:
      reset_model();
      break;
    case Command::SetProbe:
      if (c.index >= 0 && size_t(c.index) < data->size()) {
        cur.probe_index = c.index;
        own_photo = own_resized = Image{};
        cur.probe_file.clear();
        ++cur.probe_version;
      }
      capture_probe();
      publish();
      break;
    case Command::SetProbeImage:
      set_probe_image(c.path);
      break;
    case Command::SetExplain:
      cur.explain = c.explain;
      capture_probe();
      publish();
      break;
    case Command::Evaluate:
      evaluate_test();
      break;
    case Command::SaveCheckpoint:
      save_checkpoint(c.path);
      break;
    case Command::LoadCheckpoint:
      load_checkpoint(c.path);
      break;
    case Command::ApplySettings:
      apply_settings(c.settings);
      break;
    case Command::SetRefresh:
      refresh = std::max(1, c.index);
      break;
    case Command::Inspect:
      inspect(c);
      break;
    case Command::SetRunsDir:
    case Command::Quit:
      break;
  }
}

void TrainingWorker::Impl::stop() {
  mode = Mode::Idle;
  record_run("stopped");
  series = Series{};
  cur.series_size = cur.series_index = 0;
  // Stop arriving as the last epoch finishes: the run is complete; keep its Done/test line.
  if (trainer->epoch() >= cur.epochs && cur.state == RunState::Done) return;
  cur.state = RunState::Done;
  // cur.batch still counts the finished epoch's batches until the next one begins.
  int open_batches = trainer->epoch_started() ? cur.batch : 0;
  cur.status = format_stopped(trainer->epoch(), cur.epochs, open_batches, cur.num_batches);
  capture_weights(cur.conv_kernels);  // the last batches' publish may have been skipped
  capture_probe();
  publish();
}

void TrainingWorker::Impl::evaluate_test() {
  cur.status = "Evaluating the test split";
  publish();
  if (hooks.before_evaluate) hooks.before_evaluate();
  EvalResult r = trainer->evaluate(cur.split.test, &interrupt);
  char buf[128];
  if (r.count < int(cur.split.test.size())) {
    // Paused/stopped part-way: a partial pass is not the test split's score; keep the last one.
    std::snprintf(buf, sizeof buf, "Evaluation stopped after %d of %zu test images", r.count,
                  cur.split.test.size());
  } else {
    fill_eval(cur.test_eval, "test", cur.split.test, r);
    std::snprintf(buf, sizeof buf, "Test-loss: %.4f, Test-accuracy: %.4f", r.loss, r.accuracy);
  }
  cur.status = buf;
  publish();
}

void TrainingWorker::Impl::save_checkpoint(const std::string& path) {
  auto meta = checkpoint_metadata(cur.class_names, cur.scaling, cur.settings, trainer->epoch());
  RunRecord r = run_record_of(*trainer, cur.settings, cur.test_eval);
  r.split_seed = cur.split_seed;
  r.val_eval = cur.val_eval;  // also one restored from a checkpoint (the trainer has not run it)
  add_run_record(meta, r);
  if (cur.timelapse) add_timelapse(meta, *cur.timelapse);
  save_safetensors(path, *model, meta);
  cur.status = "Saved " + path;
  publish();
}

void TrainingWorker::Impl::load_checkpoint(const std::string& path) {
  // Everything is checked before any weight changes: the header and the run record first, then
  // the weights read straight into the live model (no second 1.4 GB copy); a different
  // architecture is refused with a UserError naming the file.
  const auto meta = read_safetensors_metadata(path);
  const RunRecord rec = read_run_record(meta, path, model->num_classes());
  TimelapsePtr tl = read_timelapse(meta, path, model->num_classes());
  std::vector<std::string> names;
  if (rec.present) names = read_checkpoint_info(meta, path, model->num_classes()).class_names;
  load_safetensors_weights(path, *model);
  model->reset_adam();
  if (rec.present) restore_record(rec, names);
  trained = false;  // a loaded run is recorded again only once it trains on
  capture_weights(cur.conv_kernels);
  capture_probe();
  // The file's time-lapse comes back; without one, a record starts at the loaded epoch.
  cur.timelapse =
      tl && !tl->frames.empty() && tl->frames.back()->epoch <= trainer->epoch() ? tl : nullptr;
  if (!cur.timelapse || cur.timelapse->frames.back()->epoch < trainer->epoch()) record_frame();
  if (!rec.present) {
    cur.status = "Loaded weights from " + path + " (an older checkpoint: it holds no history)";
  } else {
    cur.status = "Loaded " + path + ": " + std::to_string(trainer->epoch()) + " epoch(s) trained";
    if (trainer->epoch() >= cur.epochs) cur.status += " (raise Epochs to train on)";
  }
  publish();
}

// The run goes on from the record: its curves, epoch count and (when they are of this data and
// split) its evaluations. Adam's moments start afresh: checkpoints do not hold them.
void TrainingWorker::Impl::restore_record(const RunRecord& rec,
                                          const std::vector<std::string>& names) {
  mode = Mode::Idle;
  trainer->restore(rec.history, rec.batch_losses, rec.batch_epoch);
  cur.history = trainer->history();
  cur.batch_losses = trainer->batch_losses();
  cur.batch_epoch = trainer->batch_epoch();
  cur.epoch = trainer->epoch();
  cur.batch = cur.samples_done = 0;
  cur.running_loss = cur.running_accuracy = cur.samples_per_s = cur.eta_epoch_s = cur.eta_run_s = 0;
  cur.num_batches =
      int((cur.split.train.size() + cur.settings.batch_size - 1) / cur.settings.batch_size);
  // An evaluation indexes the dataset: shown only if it was made on this one's split.
  const bool same_data = names == cur.class_names;
  cur.val_eval = same_data && rec.val_eval.indices == cur.split.val ? rec.val_eval : SplitEval{};
  cur.test_eval =
      same_data && rec.test_eval.indices == cur.split.test ? rec.test_eval : SplitEval{};
  cur.state = trainer->epoch() >= cur.epochs ? RunState::Done
              : trainer->epoch() > 0         ? RunState::Paused
                                             : RunState::Ready;
}

void TrainingWorker::Impl::apply_settings(const RunSettings& want) {
  // A setting it cannot take is reported, and the run goes on as it was (training included).
  bool grown = false;
  try {
    validate_settings(want);
    grown = want.batch_size > model->max_batch();
    if (grown) grow_model(want.batch_size);
  } catch (const UserError& e) {
    cur.error = e.what();
    cur.status = std::string("Not applied: ") + e.what();
    publish();
    return;
  }
  const SettingsChanges ch = settings_changes(cur.settings, want);
  RunSettings& s = cur.settings;
  s.epochs = want.epochs, s.batch_size = want.batch_size, s.learning_rate = want.learning_rate;
  s.seed = want.seed, s.threads = want.threads;
  s.early_stopping = want.early_stopping, s.reduce_lr = want.reduce_lr;
  trainer->apply_config(TrainConfig{s.epochs, s.batch_size, s.learning_rate, s.seed});
  set_callbacks();
  model->set_threads(s.threads);
  cur.epochs = s.epochs;
  if (!trainer->epoch_started())
    cur.num_batches = int((cur.split.train.size() + s.batch_size - 1) / s.batch_size);
  if (cur.state == RunState::Done && trainer->epoch() < cur.epochs) cur.state = RunState::Paused;
  std::string msg = ch.live.empty() ? "No setting to apply" : "Applied ";
  for (size_t i = 0; i < ch.live.size(); ++i) msg += (i ? ", " : "") + ch.live[i];
  bool later = trainer->epoch_started() && (ch.has("batch size") || ch.has("seed"));
  if (later) msg += " (batch size and seed from the next epoch)";
  if (grown) msg += " (the model was re-allocated for the larger batch: Adam's moments restart)";
  if (!ch.reload.empty()) msg += "; " + reload_button_label(ch) + " to use the rest";
  cur.status = msg;
  publish();
}

// A batch size above the one the model was allocated for: the same weights in buffers for it.
// Adam's moments start afresh (Model has one allocation, and moments are not copied out).
void TrainingWorker::Impl::grow_model(int batch_size) {
  MemoryPlan plan = plan_memory(*model, batch_size, data->size());
  if (!plan.fits()) throw UserError("batch size " + std::to_string(batch_size), plan.advice());
  std::vector<float> w(model->params(), model->params() + model->num_params());
  const AdamConfig adam = model->adam;
  const int old_batch = model->max_batch();
  auto rebuild = [&](int batch) {
    *model =
        build_preset(cur.settings.preset, cur.settings.image_size, int(cur.class_names.size()));
    model->set_threads(cur.settings.threads);
    model->set_input_scaling(cur.scaling.mean, cur.scaling.std);  // as the Trainer set it
    model->allocate(batch);
    std::copy(w.begin(), w.end(), model->params());
    model->adam = adam;
  };
  try {
    rebuild(batch_size);
  } catch (const UserError&) {
    rebuild(old_batch);  // what it had: the run goes on as before
    throw;
  }
  cur.memory = plan;
}

void TrainingWorker::Impl::do_load(const RunSettings& s) {
  validate_settings(s);
  mode = Mode::Idle;
  trainer.reset();
  model.reset();
  // A fresh run, but versions keep counting up: the UI compares them to what it last uploaded, and
  // waiters compare them to what they last saw.
  uint64_t version = cur.version, weights_version = cur.weights_version,
           activations_version = cur.activations_version;
  // Your photo as the probe and the explanation asked for outlast the dataset, like the photo.
  const uint64_t probe_version = cur.probe_version;
  const std::string probe_file = cur.probe_file;
  const ExplainRequest explain = cur.explain;
  cur = Snapshot{};
  cur.version = version, cur.weights_version = weights_version,
  cur.activations_version = activations_version;
  cur.probe_version = probe_version, cur.probe_file = probe_file, cur.explain = explain;
  cur.settings = s;
  cur.state = RunState::Loading;
  cur.status = "Loading " + s.data_dir;
  publish();

  LoadOptions opt;
  opt.image_size = s.image_size;
  opt.threads = s.threads;
  opt.cancel = &quit;
  Clock::time_point last = Clock::now();
  opt.progress = [&](size_t done, size_t total) {
    if (Clock::now() - last < std::chrono::milliseconds(100) && done < total) return;
    last = Clock::now();
    cur.status = "Loading images " + std::to_string(done) + "/" + std::to_string(total);
    publish();
  };
  LoadReport report;
  data = std::make_shared<Dataset>(load_image_folder(s.data_dir, opt, &report));
  cur.data = data;
  cur.class_names = data->class_names;
  cur.split = make_split(*data, s.test_size, s.validation_split, uint32_t(s.seed));
  cur.split_seed = s.seed;
  if (cur.split.train.empty()) throw UserError("test size", "leaves no training images");
  cur.scaling = compute_scaling(*data, cur.split.train);

  auto m =
      std::make_unique<Model>(build_preset(s.preset, s.image_size, int(data->class_names.size())));
  cur.summary = m->summary_table();
  cur.num_params = m->num_params();
  for (const LayerInfo& l : m->layers()) {
    if (l.num_params()) cur.layer_params.push_back({l.name, l.num_params()});
    if (is_augment_kind(l.kind))
      cur.augmentation.push_back(l.augment), cur.augmentation_names.push_back(l.name);
  }
  cur.memory = plan_memory(*m, s.batch_size, data->size());
  if (!cur.memory.fits())
    throw UserError(s.preset + " @ " + std::to_string(s.image_size) + "px", cur.memory.advice());
  cur.status = "Allocating " + std::to_string(cur.num_params) + " parameters";
  publish();
  m->set_threads(s.threads);
  m->allocate(s.batch_size);
  model = std::move(m);
  cur.epochs = s.epochs;
  if (!cur.split.test.empty() && own_photo.pixels.empty()) cur.probe_index = cur.split.test.front();
  ++cur.probe_version;
  reset_model(false);

  // Honest about time: a timed forward pass of one training batch. A training step costs about
  // 3.5× its forward (backward ≈ 2×, Adam over the big dense layer the rest: see bench/);
  // validation is forward only. Forward only, so the estimate touches no gradient memory.
  size_t per = size_t(s.image_size) * s.image_size * 3;
  std::vector<float> x(per * s.batch_size);
  std::vector<int> y(s.batch_size);
  int n = int(std::min<size_t>(size_t(s.batch_size), cur.split.train.size()));
  make_batch(*data, cur.split.train.data(), n, cur.scaling, x.data(), y.data());
  auto t0 = Clock::now();
  model->forward(x.data(), n);
  double fwd = std::chrono::duration<double>(Clock::now() - t0).count();
  double batches = std::ceil(double(cur.split.train.size()) / s.batch_size);
  cur.estimated_epoch_s =
      fwd * 3.5 * batches + fwd * std::ceil(double(cur.split.val.size()) / s.batch_size);
  cur.state = RunState::Ready;
  char buf[256];
  std::snprintf(buf, sizeof buf, "Ready: %zu images, %zu train / %zu val / %zu test%s",
                data->size(), cur.split.train.size(), cur.split.val.size(), cur.split.test.size(),
                report.skipped.empty()
                    ? ""
                    : (", " + std::to_string(report.skipped.size()) + " file(s) skipped").c_str());
  cur.status = buf;
  capture_probe();
  record_frame();
  publish();
}

void TrainingWorker::Impl::reset_model(bool announce) {
  mode = Mode::Idle;
  model->init(cur.settings.seed);
  model->reset_adam();
  TrainConfig cfg{cur.settings.epochs, cur.settings.batch_size, cur.settings.learning_rate,
                  cur.settings.seed};
  trainer = std::make_unique<Trainer>(*model, *data, cur.split, cur.scaling, cfg);
  set_callbacks();
  cur.history = History{};
  cur.batch_losses.clear();
  cur.batch_epoch.clear();
  cur.epoch = cur.batch = cur.samples_done = 0;
  cur.num_batches = int((cur.split.train.size() + cfg.batch_size - 1) / cfg.batch_size);
  cur.samples_total = int(cur.split.train.size());
  cur.val_eval = SplitEval{};
  cur.test_eval = SplitEval{};
  trained = false;
  capture_weights(cur.conv_kernels);
  cur.conv_kernels_init = cur.conv_kernels;
  cur.timelapse = nullptr;  // frame 0 (the initial weights) once the probe is captured
  if (!announce) return;    // do_load publishes Ready itself, once the speed estimate is known
  cur.state = RunState::Ready;
  cur.status = "Weights initialised (seed " + std::to_string(cur.settings.seed) + ")";
  capture_probe();
  record_frame();
  publish();
}

//-----------------------------------------------------------------------------
// [SECTION] training
//-----------------------------------------------------------------------------
void TrainingWorker::Impl::train_one() {
  if (!trainer->epoch_started()) trainer->begin_epoch();
  if (!trained && cur.batch_losses.empty()) run_started = utc_timestamp();
  trained = true;
  bool bad = false;
  BatchProgress p = trainer->train_batch(&bad);
  cur.batch = p.batch;
  cur.num_batches = p.num_batches;
  cur.samples_done = p.samples_done;
  cur.samples_total = p.samples_total;
  cur.running_loss = p.loss;
  cur.running_accuracy = p.accuracy;
  cur.samples_per_s = p.elapsed_s > 0 ? p.samples_done / p.elapsed_s : 0;
  if (cur.samples_per_s > 0) {
    cur.eta_epoch_s = (p.samples_total - p.samples_done) / cur.samples_per_s;
    cur.eta_run_s = cur.eta_epoch_s +
                    double(cur.epochs - trainer->epoch() - 1) * p.samples_total / cur.samples_per_s;
  }
  cur.batch_losses.push_back(float(p.batch_loss));
  cur.batch_epoch.push_back(float(trainer->epoch() + double(p.samples_done) / p.samples_total));
  char buf[160];
  std::snprintf(buf, sizeof buf, "Epoch %d/%d, batch %d/%d — loss %.4f, accuracy %.4f",
                trainer->epoch() + 1, cur.epochs, p.batch, p.num_batches, p.loss, p.accuracy);
  cur.status = buf;
  if (hooks.after_batch) hooks.after_batch(trainer->epoch(), p.batch, p.num_batches);
  if (bad) {
    mode = Mode::Idle;
    cur.state = RunState::Paused;
    cur.error = non_finite_loss_message(p.batch_loss, trainer->epoch(), p.batch, p.num_batches) +
                ": try a smaller learning rate, then Reset";
    cur.status = "Error: " + cur.error;
    publish();
    return;
  }
  bool epoch_end = trainer->epoch_batches_done();
  if (epoch_end) {
    finish_epoch();
    // The time-lapse frame, before anything can return early (a Pause queued at this boundary).
    capture_weights(cur.conv_kernels);
    capture_probe();
    record_frame();
  }
  if (mode == Mode::UntilBatch || (mode == Mode::UntilEpoch && epoch_end)) {
    mode = Mode::Idle;
    if (cur.state == RunState::Training) cur.state = RunState::Paused;
  }
  if (interrupt.load() && mode != Mode::Idle) return;  // a Pause/Stop is queued: handle it first
  bool due =
      ++since_publish >= refresh &&
      Clock::now() - last_publish >= std::chrono::duration<double>(hooks.min_publish_interval_s);
  if (due || mode == Mode::Idle || epoch_end) {
    if (!epoch_end) capture_weights(cur.conv_kernels);  // at an epoch end: captured above
    // The probe's forward pass streams every weight (1.4 GB for the course model's dense layer):
    // while running, redo it only when it costs under ~1.5% of the time since the last one (at
    // 299² every ~4 s; small models' probes cost a few ms, so theirs follow every publish). At ~3%
    // the window trained at 0.80-0.85× the CLI's speed (issue 11: bench_gui, 2026-12-02).
    bool running = mode != Mode::Idle && !epoch_end;
    if (!epoch_end && (!running || Clock::now() - last_probe >= probe_cost * 64)) capture_probe();
    publish();
  }
}

// The model file's [fit] callbacks with the settings' overrides, into the trainer and snapshot.
void TrainingWorker::Impl::set_callbacks() {
  const FitConfig fit =
      effective_fit(model->fit, cur.settings.early_stopping, cur.settings.reduce_lr);
  trainer->set_callbacks(fit);
  cur.callbacks = describe_callbacks(fit);
  cur.mixup_alpha = fit.mixup.enabled ? fit.mixup.alpha : 0;
}

void TrainingWorker::Impl::finish_epoch() {
  EpochRecord r = trainer->end_epoch();
  cur.history = trainer->history();
  cur.epoch = trainer->epoch();
  fill_eval(cur.val_eval, "validation", cur.split.val, trainer->last_val_eval());
  const std::string& said = trainer->callback_log();  // Keras's lines: into the log panel
  for (size_t at = 0; at < said.size();) {
    size_t end = std::min(said.find('\n', at), said.size());
    log_info(said.substr(at, end - at));
    at = end + 1;
  }
  const bool early = trainer->early_stopped();
  if (trainer->epoch() >= cur.epochs || early) {
    mode = Mode::Idle;
    EvalResult t = trainer->evaluate(cur.split.test);
    fill_eval(cur.test_eval, "test", cur.split.test, t);
    cur.state = RunState::Done;
    std::string head = "Done: " + std::to_string(cur.epochs) + " epochs";
    if (early) {
      head = early_stopping_message(r.epoch);
      const EarlyStopping* es = trainer->early_stopping();
      if (es && es->config().restore_best_weights)
        head += ", weights of epoch " + std::to_string(es->best_epoch() + 1) + " restored";
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s. Test-loss: %.4f, Test-accuracy: %.4f", head.c_str(), t.loss,
                  t.accuracy);
    cur.status = buf;
    end_of_run();
  } else if (!said.empty()) {
    cur.status = said.substr(said.rfind('\n') == std::string::npos ? 0 : said.rfind('\n') + 1);
  }
}

//-----------------------------------------------------------------------------
// [SECTION] runs folder and seed series
//-----------------------------------------------------------------------------
// Records the run in the runs folder when it trained since it was last recorded; a failure is
// reported in the status line, and training is not affected.
void TrainingWorker::Impl::record_run(const char* reason) {
  if (runs_dir.empty() || !trained || !trainer) return;
  trained = false;
  const bool tested =
      cur.test_eval.epoch == trainer->epoch();  // an earlier Evaluate does not count
  RunRecord r = run_record_of(*trainer, cur.settings, tested ? cur.test_eval : SplitEval{});
  r.split_seed = cur.split_seed;
  r.val_eval = cur.val_eval;
  RunMeta m;
  m.data_dir = cur.settings.data_dir;
  m.class_names = cur.class_names;
  m.scaling = cur.scaling;
  m.started = run_started.empty() ? utc_timestamp() : run_started;
  m.ended = utc_timestamp();
  m.stop_reason = reason;
  if (series.size > 0) m.group = series.group, m.group_index = series.index;
  m.group_size = series.size;
  if (cur.timelapse) add_timelapse(m.checkpoint_extra, *cur.timelapse);
  try {
    write_run(runs_dir, r, m, *model);
    ++cur.runs_recorded;
  } catch (const UserError& e) {
    cur.error = std::string("run not recorded: ") + e.what();
    cur.status += " (" + cur.error + ")";
  }
}

void TrainingWorker::Impl::start_series(int n) {
  const uint64_t first = cur.settings.seed;
  if (first + uint64_t(n - 1) > kMaxSeed)
    throw UserError("seed " + std::to_string(first), "the last of the seeds would pass 4294967295",
                    "choose a smaller seed");
  record_run("stopped");  // a run in progress ends here
  series = Series{};
  series.size = n;
  series.first_seed = first;
  series.group = seed_group_id(utc_timestamp(), cur.settings.preset, first, n);
  begin_seed(first);
}

// A fresh run of the series with `seed`: its own split (from the loaded images, nothing decoded
// again), scaling, initialisation and shuffles, as `cnnlab train --seed`.
void TrainingWorker::Impl::begin_seed(uint64_t seed) {
  RunSettings& s = cur.settings;
  s.seed = seed;
  cur.split = make_split(*data, s.test_size, s.validation_split, uint32_t(seed));
  cur.split_seed = seed;
  if (cur.split.train.empty()) throw UserError("test size", "leaves no training images");
  cur.scaling = compute_scaling(*data, cur.split.train);
  cur.probe_index = cur.split.test.empty() ? -1 : cur.split.test.front();
  reset_model(false);
  cur.series_size = series.size, cur.series_index = series.index;
  mode = Mode::Run;
  cur.state = RunState::Training;
  cur.status = "Seed " + std::to_string(seed) + " (" + std::to_string(series.index + 1) + "/" +
               std::to_string(series.size) + "): training";
  capture_probe();
  publish();
}

// A run reached its last epoch: record it; in a series, go on with the next seed or sum it up.
void TrainingWorker::Impl::end_of_run() {
  record_run("completed");
  if (series.size == 0) return;
  series.accuracy.push_back(cur.test_eval.accuracy);
  if (++series.index < series.size) {
    begin_seed(series.first_seed + uint64_t(series.index));
    return;
  }
  SeedStats st = seed_stats(series.accuracy);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "Done: %d seeds. Test accuracy %.4f ± %.4f (mean ± sample std), min %.4f, max %.4f",
                st.n, st.mean, st.std, st.min, st.max);
  cur.status = buf;
  series = Series{};
  cur.series_size = cur.series_index = 0;
}

//-----------------------------------------------------------------------------
// [SECTION] snapshots
//-----------------------------------------------------------------------------
void TrainingWorker::Impl::fill_eval(SplitEval& e, const std::string& name,
                                     const std::vector<int>& idx, const EvalResult& r) {
  e = make_split_eval(name, trainer->epoch(), idx, r);
}

void TrainingWorker::Impl::capture_weights(std::vector<TensorCopy>& out) {
  out.clear();
  for (size_t i = 0; i < model->layers().size(); ++i) {
    if (model->layers()[i].kind != LayerKind::Conv2D) continue;
    ParamView w = model->layer_weights(int(i));
    out.push_back({model->layers()[i].name, w.shape, std::vector<float>(w.data, w.data + w.size)});
  }
  ++cur.weights_version;
}

// A photo of the user's own: decoded now (the loader's checks and messages), resized with the data
// at each capture. A bad file is reported in `error` and leaves the probe and any training alone.
void TrainingWorker::Impl::set_probe_image(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  try {
    Image photo = decode_image_file(path);
    own_photo = std::move(photo);
  } catch (const UserError& e) {
    cur.error = e.what();
    cur.status = "Error: " + name + " cannot be the probe: " + e.what();
    log_error(cur.status);  // the window's log panel too
    publish();
    return;
  }
  own_resized = Image{};
  cur.probe_file = name;
  cur.probe_index = -1;
  ++cur.probe_version;
  capture_probe();
  cur.status = "Probe: your photo " + name;
  publish();
}

// probe_x (the model's input) and cur.probe_pixels for the current probe.
void TrainingWorker::Impl::probe_input() {
  const int H = data->height, W = data->width;
  const size_t per = size_t(H) * W * 3;
  probe_x.resize(per);
  if (!own_photo.pixels.empty()) {
    if (own_resized.width != W || own_resized.height != H)
      own_resized = resize_rgb(own_photo, W, H);
    cur.probe_pixels = own_resized.pixels;
    for (size_t i = 0; i < per; ++i)
      probe_x[i] = (own_resized.pixels[i] / 255.0f - cur.scaling.mean) / cur.scaling.std;
  } else {
    int label = 0;
    make_batch(*data, &cur.probe_index, 1, cur.scaling, probe_x.data(), &label);
    const uint8_t* px = data->image(size_t(cur.probe_index));
    cur.probe_pixels.assign(px, px + per);
  }
}

void TrainingWorker::Impl::capture_probe() {
  if (!model || !data || (cur.probe_index < 0 && own_photo.pixels.empty())) return;
  Clock::time_point t0 = Clock::now();
  struct Timer {  // records the cost however the function returns
    Impl& self;
    Clock::time_point t0;
    ~Timer() { self.last_probe = Clock::now(), self.probe_cost = self.last_probe - t0; }
  } timer{*this, t0};
  probe_input();
  const int K = model->num_classes();
  cur.probe_explain = ProbeExplanation{};
  if (cur.explain.on) {  // the explanation's forward pass is the probe's
    ExplainMethod method = cur.explain.method;
    if (last_conv_layer(*model) < 0) method = ExplainMethod::Saliency;  // no maps to weigh
    const int cls = cur.explain.cls < K ? cur.explain.cls : -1;
    Explanation e = explain_image(*model, probe_x.data(), cls, method);
    cur.probe_probs = e.probs;
    ProbeExplanation& p = cur.probe_explain;
    p.method = e.method, p.cls = e.cls, p.h = e.h, p.w = e.w, p.heat = std::move(e.heat);
    if (method == ExplainMethod::GradCam) p.layer = model->layers()[size_t(e.layer)].name;
  } else {
    cur.probe_probs.assign(size_t(K), 0.f);
    model->forward(probe_x.data(), 1, cur.probe_probs.data());
  }
  cur.activations.clear();
  const auto& L = model->layers();
  for (size_t i = 1; i < L.size(); ++i) {
    if (L[i].kind == LayerKind::Flatten) continue;
    const float* a = model->activation(int(i));
    TensorCopy t{L[i].name,
                 L[i].flat ? std::vector<int>{L[i].out_c}
                           : std::vector<int>{L[i].out_h, L[i].out_w, L[i].out_c},
                 std::vector<float>(a, a + L[i].out_size())};
    cur.activations.push_back(std::move(t));
  }
  ++cur.activations_version;
  probe_step = model->adam_step();
  probe_weights = cur.weights_version;
  cur.inspect = nullptr;  // its numbers were the old maps'
}

// Layer `layer`'s output for the probe: the scaled input for layer 0, a Flatten's input for it.
const float* TrainingWorker::Impl::probe_output(int layer) const {
  const auto& L = model->layers();
  while (layer > 0 && L[size_t(layer)].kind == LayerKind::Flatten) --layer;
  if (layer == 0) return probe_x.data();
  for (const TensorCopy& t : cur.activations)
    if (t.name == L[size_t(layer)].name) return t.values.data();
  return nullptr;
}

void TrainingWorker::Impl::inspect(const Command& c) {
  int layer = find_layer(*model, c.layer);
  const auto& L = model->layers();
  bool ok = layer >= 1 && c.y >= 0 && c.y < L[size_t(layer)].out_h && c.x >= 0 &&
            c.x < L[size_t(layer)].out_w && c.index >= 0 && c.index < L[size_t(layer)].out_c;
  if (ok &&
      (probe_step != model->adam_step() || probe_weights != cur.weights_version || probe_x.empty()))
    capture_probe();
  ok = ok && !probe_x.empty();
  const float* in = ok ? probe_output(layer - 1) : nullptr;
  const float* out = ok ? probe_output(layer) : nullptr;
  cur.inspect = nullptr;
  if (in && out)
    cur.inspect = std::make_shared<const OutputArithmetic>(
        inspect_layer_output(*model, layer, in, out, model->params(), c.y, c.x, c.index, 4));
  publish();
}

void TrainingWorker::Impl::record_frame() {
  if (!trainer) return;
  const int e = trainer->epoch();
  const SplitEval* val = cur.val_eval.epoch == e ? &cur.val_eval : nullptr;
  TimelapseFrame f = make_timelapse_frame(e, cur.conv_kernels, cur.activations, cur.probe_index,
                                          cur.probe_probs, val);
  if (model && !probe_x.empty())
    add_frame_gradcam(f, *model, probe_x.data());  // after the captures
  cur.timelapse = timelapse_append(cur.timelapse, std::move(f));
}

void TrainingWorker::Impl::publish() {
  since_publish = 0;
  last_publish = Clock::now();
  ++cur.version;
  auto s = std::make_shared<const Snapshot>(cur);
  {
    std::lock_guard<std::mutex> lock(snap_mutex);
    snap = std::move(s);
  }
  snap_cv.notify_all();
}

}  // namespace cnnlab
