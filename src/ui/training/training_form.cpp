// ui/training/training_form.cpp — the Training view's form (model choices, dataset folder, recent
// folders) and the commands it sends the worker, with the blocking Load / K-batches helpers for
// screenshots and tests.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "data/dataset.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace fs = std::filesystem;

PresetChoice make_preset_choice(const std::string& preset, int image_size, int num_classes) {
  Model m = build_preset(preset, image_size, num_classes);
  PresetChoice c{preset, image_size, m.num_params(), "", m.fit.epochs, m.fit.batch_size};
  c.label = preset + " model, " + std::to_string(image_size) + "×" + std::to_string(image_size) +
            " (" + with_commas(c.params) + " parameters)";
  return c;
}

std::vector<PresetChoice> default_preset_choices(int num_classes) {
  std::vector<PresetChoice> out;
  for (const auto& [name, size] : preset_table())
    out.push_back(make_preset_choice(name, size, num_classes));
  return out;
}

std::string check_data_folder(const std::string& dir) {
  if (dir.empty()) return "type the path of a folder with one subfolder per class";
  try {
    check_dataset_folder(dir);  // data's own rules, so the form agrees with Load
  } catch (const UserError& e) {
    std::string where = e.path() == dir ? "" : e.path() + ": ";  // a class folder inside `dir`
    return where + e.reason() + (e.hint().empty() ? "" : " (" + e.hint() + ")");
  }
  return {};
}

std::unique_ptr<TrainingUi> create_training_ui(const std::string& lesson_dir,
                                               const std::string& recent_file) {
  auto ui = std::make_unique<TrainingUi>();
  ui->worker =
      std::make_unique<TrainingWorker>(5);  // frames before training: the window stays smooth
  ui->recent_file = recent_file;
  if (!recent_file.empty() && fs::exists(recent_file)) {
    std::ifstream in(recent_file);
    for (std::string line; std::getline(in, line) && ui->form.recent.size() < 8;)
      if (!line.empty()) ui->form.recent.push_back(line);
  }
  ui->form.data_dir = default_data_dir(CNNLAB_DEFAULT_PHOTO_DIR);
  if (ui->form.data_dir.empty() && !ui->form.recent.empty())
    ui->form.data_dir = ui->form.recent.front();
  ui->form.folder_note = check_data_folder(ui->form.data_dir);
  ui->form.folder_ok = ui->form.folder_note.empty();
  ui->lessons = load_training_lessons(lesson_dir + "/training");
  return ui;
}

void refresh_snapshot(TrainingUi& ui) {
  if (ui.worker) ui.snap = ui.worker->latest();
}

RunSettings form_settings(const TrainingUi& ui) {
  RunSettings s;
  const PresetChoice& p =
      ui.presets[size_t(std::clamp(ui.form.choice, 0, int(ui.presets.size()) - 1))];
  s.data_dir = ui.form.data_dir;
  s.preset = p.preset;
  s.image_size = p.image_size;
  s.epochs = ui.form.epochs;
  s.batch_size = ui.form.batch_size;
  s.learning_rate = ui.form.learning_rate;
  s.seed = uint64_t(std::max(0, ui.form.seed));
  s.threads = ui.form.threads;
  s.early_stopping = ui.form.early_stopping, s.reduce_lr = ui.form.reduce_lr;
  return s;
}

void choose_preset(TrainingUi& ui, int i) {
  ui.form.choice = i;
  const PresetChoice& p = ui.presets[size_t(i)];
  if (p.epochs > 0) ui.form.epochs = p.epochs;
  if (p.batch_size > 0) ui.form.batch_size = p.batch_size;
}

void remember_folder(TrainingUi& ui, const std::string& dir) {
  auto& r = ui.form.recent;
  r.erase(std::remove(r.begin(), r.end(), dir), r.end());
  r.insert(r.begin(), dir);
  if (r.size() > 8) r.resize(8);
  if (ui.recent_file.empty()) return;
  std::string text;
  for (const std::string& d : r) text += d + "\n";
  try {
    write_file_atomic(ui.recent_file, text);
  } catch (const UserError& e) {
    log_warn(e.what());
  }
}

void send_load(TrainingUi& ui) {
  ui.form.folder_note = check_data_folder(ui.form.data_dir);
  ui.form.folder_ok = ui.form.folder_note.empty();
  if (!ui.form.folder_ok || !ui.worker) return;
  remember_folder(ui, ui.form.data_dir);
  ui.worker->send({Command::Load, form_settings(ui)});
  ui.worker->send({Command::SetRefresh, {}, {}, std::max(1, ui.form.refresh)});
  ui.enlarged = -1;
  ui.confusion_row = ui.confusion_col = -1;
}

void send_command(TrainingUi& ui, Command::Kind kind, int index, const std::string& path) {
  if (!ui.worker) return;
  Command c{kind};
  c.index = index;
  c.path = path;
  ui.worker->send(std::move(c));
}

void send_train(TrainingUi& ui) {
  if (!ui.worker) return;
  const RunState st = ui.snap->state;
  if (ui.form.seeds > 1 && (st == RunState::Ready || st == RunState::Done)) {
    ui.worker->send({Command::ApplySettings, form_settings(ui)});  // the series starts at its seed
    send_command(ui, Command::StartSeeds, ui.form.seeds);
    return;
  }
  send_command(ui, st == RunState::Paused ? Command::Resume : Command::Start);
}

void set_runs_dir(TrainingUi& ui, const std::string& dir) {
  ui.runs.dir = dir;
  ui.runs.loaded = false;
  send_command(ui, Command::SetRunsDir, 0, dir);
}

void refresh_runs(TrainingUi& ui, bool force) {
  RunsView& r = ui.runs;
  if (!force && r.loaded && r.recorded_seen == ui.snap->runs_recorded) return;
  r.recorded_seen = ui.snap->runs_recorded;
  r.loaded = true;
  r.list = r.dir.empty() ? RunList{} : list_runs(r.dir);
  for (const std::string& w : r.list.warnings) log_warn(w);
  if (r.tick_all)
    for (const RunSummary& s : r.list.runs) r.ticked.insert(s.folder);
}

SnapshotPtr load_blocking(TrainingUi& ui, const RunSettings& s, double timeout_s) {
  CNNLAB_ASSERT(ui.worker, "load_blocking needs a worker");
  uint64_t v = ui.worker->latest()->version;
  ui.form.data_dir = s.data_dir;
  ui.worker->send({Command::Load, s});
  SnapshotPtr snap = ui.worker->wait_until(
      [&](const Snapshot& x) {
        return x.version > v &&
               (x.state == RunState::Ready || x.state == RunState::Error || !x.error.empty());
      },
      timeout_s);
  if (snap->state != RunState::Ready || !snap->error.empty())
    throw UserError(s.data_dir, snap->error.empty() ? "loading timed out" : snap->error);
  ui.snap = snap;
  return snap;
}

SnapshotPtr train_batches_blocking(TrainingUi& ui, int batches, double timeout_s) {
  CNNLAB_ASSERT(ui.worker, "train_batches_blocking needs a worker");
  SnapshotPtr snap = ui.worker->latest();
  for (int k = 0; k < batches; ++k) {
    size_t want = snap->batch_losses.size() + 1;
    if (snap->state == RunState::Done) break;
    ui.worker->send({Command::OneBatch});
    snap = ui.worker->wait_until(
        [&](const Snapshot& x) {
          return (x.batch_losses.size() >= want && x.state != RunState::Training) ||
                 x.state == RunState::Error;
        },
        timeout_s);
    if (snap->state == RunState::Error || !snap->error.empty())
      throw UserError("", "training failed: " + snap->error);
    if (snap->batch_losses.size() < want)
      throw UserError("", "a batch took longer than the timeout");
  }
  ui.snap = snap;
  return snap;
}

}  // namespace cnnlab
