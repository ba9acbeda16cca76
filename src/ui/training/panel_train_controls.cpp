// ui/training/panel_train_controls.cpp — the run's settings (folder, model, epochs, batch, rate,
// seed, threads, refresh), the command buttons, honest progress (samples/s, ETA, estimate, memory)
// and save/export.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/sysinfo.h"
#include "train/progress_format.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

// The default paths live in ~/cnnlab-exports/training, which may not exist yet.
void make_parent_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
}

bool busy(RunState s) {
  return s == RunState::Loading || s == RunState::Training;
}

// A field whose value is not the run's yet gets an amber frame (no extra width: the columns stay as
// they are at every zoom); pending_end pops it and says on hover what applies it.
const ImVec4 kPending(1.0f, 0.62f, 0.1f, 1.0f);

bool pending_begin(const SettingsChanges& c, const char* name) {
  if (!c.has(name)) return false;
  ImGui::PushStyleColor(ImGuiCol_Border, kPending);
  ImGui::PushStyleColor(ImGuiCol_FrameBg, ImVec4(kPending.x, kPending.y, kPending.z, 0.25f));
  ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, std::max(2.0f, ImGui::GetFontSize() * 0.12f));
  return true;
}

void pending_end(bool on, const SettingsChanges& c, const char* name) {
  if (!on) return;
  ImGui::PopStyleVar();
  ImGui::PopStyleColor(2);
  const bool reload = std::find(c.reload.begin(), c.reload.end(), name) != c.reload.end();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("%s: pending until you press %s", name, reload ? "Reload data" : "Apply");
}

// The folder and the model: they take a reload (decoding the images, building the model).
void draw_data_fields(TrainingUi& ui, const SettingsChanges& pending) {
  TrainingForm& f = ui.form;
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Recent").x - ImGui::GetStyle().ItemSpacing.x * 2 -
                          10);
  bool mark = pending_begin(pending, "data folder");
  if (ImGui::InputTextWithHint("##data", "dataset folder: DIR/<class>/<images>", &f.data_dir)) {
    f.folder_note = check_data_folder(f.data_dir);
    f.folder_ok = f.folder_note.empty();
  }
  pending_end(mark, pending, "data folder");
  ImGui::SameLine();
  if (ImGui::Button("Recent")) ImGui::OpenPopup("recent folders");
  if (ImGui::BeginPopup("recent folders")) {
    if (f.recent.empty()) ImGui::TextDisabled("No folders used yet");
    for (const std::string& d : f.recent)
      if (ImGui::Selectable(d.c_str())) {
        f.data_dir = d;
        f.folder_note = check_data_folder(d);
        f.folder_ok = f.folder_note.empty();
      }
    ImGui::EndPopup();
  }
  if (!f.folder_ok) ImGui::TextWrapped("✗ Folder: %s", f.folder_note.c_str());

  ImGui::SetNextItemWidth(-1);
  const char* model = pending.has("model") ? "model" : "image size";
  mark = pending_begin(pending, model);
  const PresetChoice& cur = ui.presets[size_t(std::clamp(f.choice, 0, int(ui.presets.size()) - 1))];
  if (ImGui::BeginCombo("##model", cur.label.c_str())) {
    for (int i = 0; i < int(ui.presets.size()); ++i)
      if (ImGui::Selectable(ui.presets[size_t(i)].label.c_str(), i == f.choice) && i != f.choice)
        choose_preset(ui, i);  // with the model file's [fit] epochs and batch size
    ImGui::EndCombo();
  }
  pending_end(mark, pending, model);
}

// Epochs, batch size, learning rate, seed, threads (applied between batches) and refresh: two
// fields a row while both labels fit beside their boxes, else one a row, so a label never runs into
// the next box.
void draw_run_fields(TrainingForm& f, const SettingsChanges& pending) {
  float avail = ImGui::GetContentRegionAvail().x, em = ImGui::GetFontSize();
  float label_w = ImGui::CalcTextSize("learning rate").x + ImGui::GetStyle().ItemInnerSpacing.x;
  float box_w = std::max(4.5f * em, std::min(8 * em, avail * 0.5f - label_w - 2 * em));
  bool pairs = 2 * (box_w + label_w + em) + em <= avail;
  float second = box_w + label_w + 2 * em;  // where the second field of a row starts
  ImGui::PushItemWidth(box_w);
  auto next = [&] {
    if (pairs) ImGui::SameLine(ImGui::GetCursorStartPos().x + second);
  };
  auto field = [&](const char* label, const char* name, auto draw) {
    bool mark = pending_begin(pending, name);
    draw(label);
    pending_end(mark, pending, name);
  };
  auto int_field = [&](int* v) { return [v](const char* label) { ImGui::InputInt(label, v, 0); }; };
  field("epochs", "epochs", int_field(&f.epochs));
  next();
  field("batch size", "batch size", int_field(&f.batch_size));
  field("learning rate", "learning rate",
        [&](const char* label) { ImGui::InputFloat(label, &f.learning_rate, 0, 0, "%.5f"); });
  next();
  field("seed", "seed", int_field(&f.seed));
  field("threads", "threads", int_field(&f.threads));
  next();
  ImGui::InputInt("refresh", &f.refresh, 0);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Publish snapshots every N batches (views update then)");
  ImGui::InputInt("seeds", &f.seeds, 0);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Train repeats the run over seeds seed, seed+1, ... (each its own split); "
        "the Runs tab shows the test accuracy's mean ± std");
  ImGui::PopItemWidth();
  f.seeds = std::clamp(f.seeds, 1, 100);
  f.epochs = std::clamp(f.epochs, 1, 1000);
  f.batch_size = std::clamp(f.batch_size, 1, 512);
  f.learning_rate = std::clamp(f.learning_rate, 1e-6f, 1.0f);
  f.threads = std::clamp(f.threads, 1, 64);
  f.refresh = std::clamp(f.refresh, 1, 1000);
}

// True when a button labelled `label` fits in what is left of this line.
bool fits_on_line(const char* label) {
  float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2 +
            ImGui::GetStyle().ItemSpacing.x;
  return ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x -
             ImGui::GetItemRectMax().x >
         w;
}

// The Keras callbacks' patience in epochs (0 off, -1 as the model file's [fit] table says, which
// may be longer): two narrow fields, on the Apply line when they fit there, else on their own.
void draw_callback_fields(TrainingForm& f, const SettingsChanges& pending) {
  const float em = ImGui::GetFontSize(), inner = ImGui::GetStyle().ItemInnerSpacing.x;
  const float box_w = 2.2f * em, gap = ImGui::GetStyle().ItemSpacing.x;  // two digits
  const float w = 2 * box_w + 2 * inner + ImGui::CalcTextSize("early stop").x +
                  ImGui::CalcTextSize("reduce lr").x + gap;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + gap + w <= right) ImGui::SameLine();
  ImGui::PushItemWidth(box_w);
  auto field = [&](const char* label, const char* name, int* v, const char* tip) {
    bool mark = pending_begin(pending, name);
    ImGui::InputInt(label, v, 0);
    pending_end(mark, pending, name);
    if (!mark && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tip);
    *v = std::clamp(*v, -1, 99);
  };
  field("early stop", "early stopping", &f.early_stopping,
        "EarlyStopping: stop after N epochs without a lower val_loss and restore the best "
        "epoch's weights (0 off, -1 as the model file says)");
  ImGui::SameLine();
  field("reduce lr", "reduce lr", &f.reduce_lr,
        "ReduceLROnPlateau: learning rate x0.1 after N epochs without a lower val_loss (0 off, "
        "-1 as the model file says)");
  ImGui::PopItemWidth();
}

// Apply sends the live settings (no decoding); the reload button says what makes it necessary,
// and when its words do not fit the column it says "Reload data" and the note below names them.
void draw_apply_reload(TrainingUi& ui, const Snapshot& s, const SettingsChanges& pending) {
  TrainingForm& f = ui.form;
  ImGui::BeginDisabled(pending.live.empty() || s.state == RunState::Loading);
  if (ImGui::Button("Apply") && ui.worker) {
    ui.worker->send({Command::ApplySettings, form_settings(ui)});
    ui.worker->send({Command::SetRefresh, {}, {}, std::max(1, f.refresh)});
  }
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "Epochs, learning rate and threads at once; batch size and seed from the next epoch");
  const bool first = s.state == RunState::Empty || (s.state == RunState::Error && !s.data);
  std::string label = first ? "Load data and build model" : reload_button_label(pending);
  if (fits_on_line(label.c_str()))
    ImGui::SameLine();
  else if (!first && ImGui::CalcTextSize(label.c_str()).x + ImGui::GetStyle().FramePadding.x * 2 >
                         ImGui::GetContentRegionAvail().x)
    label = "Reload data";
  ImGui::BeginDisabled(!f.folder_ok || busy(s.state));
  if (ImGui::Button(label.c_str())) send_load(ui);
  ImGui::EndDisabled();
  ImGui::BeginDisabled(s.state == RunState::Loading);
  draw_callback_fields(f, pending);
  ImGui::EndDisabled();
  if (!pending.any()) return;
  std::string note = "Pending:";
  for (const std::string& n : pending.live)
    note += " " + n + (&n == &pending.live.back() ? "" : ",");
  if (!pending.live.empty()) note += " (Apply)";
  for (const std::string& n : pending.reload)
    note += (&n != &pending.reload.front() ? ", " : pending.live.empty() ? " " : "; ") + n;
  if (!pending.reload.empty()) note += " (Reload data)";
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.75f, 0.4f, 0.0f, 1.0f));
  ImGui::TextWrapped("%s", note.c_str());
  ImGui::PopStyleColor();
}

void draw_settings(TrainingUi& ui, const Snapshot& s) {
  // Pending: what differs from the run's settings (none before a run is loaded: Load takes all).
  const bool loaded = s.data != nullptr && s.state != RunState::Loading;
  const SettingsChanges pending =
      loaded ? settings_changes(s.settings, form_settings(ui)) : SettingsChanges{};
  ImGui::BeginDisabled(busy(s.state));
  draw_data_fields(ui, pending);
  ImGui::EndDisabled();
  // Epochs, batch size, learning rate, seed and threads apply between batches: editable while
  // training.
  ImGui::BeginDisabled(s.state == RunState::Loading);
  draw_run_fields(ui.form, pending);
  ImGui::EndDisabled();
  draw_apply_reload(ui, s, pending);
  if (loaded && s.callbacks != "no callbacks" && !s.callbacks.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("Callbacks: %s", s.callbacks.c_str());
    ImGui::PopTextWrapPos();
  }
}

// SameLine when a button labelled `label` still fits on this line, else a new line: no button is
// cut.
void button_flow(const char* label) {
  float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
  float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w <= right) ImGui::SameLine();
}

// "Resume", "Train", or "Train 3 seeds" when the form's seeds make Train a series.
std::string train_label(const TrainingUi& ui, const Snapshot& s) {
  if (s.state == RunState::Paused) return "Resume###train";
  bool series = ui.form.seeds > 1 && (s.state == RunState::Ready || s.state == RunState::Done);
  return series ? "Train " + std::to_string(ui.form.seeds) + " seeds###train" : "Train###train";
}

void draw_buttons(TrainingUi& ui, const Snapshot& s) {
  bool have = s.state != RunState::Empty && s.state != RunState::Loading &&
              !(s.state == RunState::Error && !s.data);
  ImGui::BeginDisabled(!have);
  if (s.state == RunState::Training) {
    if (ImGui::Button("Pause")) send_command(ui, Command::Pause);
  } else if (ImGui::Button(train_label(ui, s).c_str())) {
    send_train(ui);  // Start, Resume, or a series of seeds (the form's "seeds")
  }
  button_flow("One batch");
  ImGui::BeginDisabled(s.state == RunState::Training);
  if (ImGui::Button("One batch")) send_command(ui, Command::OneBatch);
  button_flow("One epoch");
  if (ImGui::Button("One epoch")) send_command(ui, Command::OneEpoch);
  ImGui::EndDisabled();
  button_flow("Stop");
  if (ImGui::Button("Stop")) send_command(ui, Command::Stop);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Stop after this batch; keeps the weights and the history");
  button_flow("Reset");
  if (ImGui::Button("Reset")) send_command(ui, Command::Reset);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Re-initialise the weights with the seed and clear the history");
  button_flow("Evaluate test");
  ImGui::BeginDisabled(s.state == RunState::Training);
  if (ImGui::Button("Evaluate test")) send_command(ui, Command::Evaluate);
  ImGui::EndDisabled();
  ImGui::EndDisabled();
}

void draw_progress(const Snapshot& s) {
  ImGui::Text("State: %s", run_state_name(s.state));
  ImGui::TextWrapped("%s", s.status.empty() ? "Choose a dataset folder and a model, then Load."
                                            : s.status.c_str());
  if (!s.error.empty()) ImGui::TextWrapped("✗ %s", s.error.c_str());
  if (s.samples_total > 0) {
    char overlay[96];
    bool epoch_done =
        s.samples_done >= s.samples_total && s.batch > 0;  // shown until the next batch
    std::snprintf(overlay, sizeof overlay, "epoch %d/%d · batch %d/%d · %d/%d samples",
                  std::clamp(epoch_done ? s.epoch : s.epoch + 1, 1, std::max(s.epochs, 1)),
                  s.epochs, s.batch, s.num_batches, s.samples_done, s.samples_total);
    if (ImGui::CalcTextSize(overlay).x + ImGui::GetFontSize() > ImGui::GetContentRegionAvail().x)
      *std::strstr(overlay, " · ") = 0;  // narrow: "epoch 3/25" alone rather than cut text
    float epoch_frac = s.samples_total ? float(s.samples_done) / s.samples_total : 0;
    ImGui::ProgressBar(epoch_frac, ImVec2(-1, 0), overlay);
    if (s.samples_per_s > 0) {
      ImGui::Text("%.1f samples/s · ETA epoch %s · ETA run %s", s.samples_per_s,
                  format_duration(s.eta_epoch_s).c_str(), format_duration(s.eta_run_s).c_str());
    }
  }
  if (s.estimated_epoch_s > 0)
    ImGui::TextWrapped(
        "Estimate before starting: about %s per epoch on this machine (%d threads).",
        s.estimated_epoch_s < 1 ? "under a second" : format_duration(s.estimated_epoch_s).c_str(),
        s.settings.threads);
  if (s.memory.total() > 0) {  // the total here; the breakdown on hover and in the Model panel
    std::string d = s.memory.describe();
    size_t eq = d.rfind(" = ");
    ImGui::TextWrapped("Memory: %s", eq == std::string::npos ? d.c_str() : d.c_str() + eq + 3);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", d.c_str());
  }
}

void draw_files(TrainingUi& ui, const Snapshot& s) {
  if (ui.checkpoint_path.empty())
    ui.checkpoint_path = ui.export_dir + "/training/checkpoint.safetensors";
  if (ui.csv_path.empty()) ui.csv_path = ui.export_dir + "/training/history.csv";
  bool have = s.data != nullptr && s.state != RunState::Loading;
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Save  Load").x -
                          ImGui::GetStyle().FramePadding.x * 4 - 12);
  ImGui::InputText("##ckpt", &ui.checkpoint_path);
  ImGui::SameLine();
  ImGui::BeginDisabled(!have || s.state == RunState::Training);
  if (ImGui::Button("Save")) {
    make_parent_dir(ui.checkpoint_path);
    send_command(ui, Command::SaveCheckpoint, 0, ui.checkpoint_path);
  }
  ImGui::SameLine();
  if (ImGui::Button("Load")) send_command(ui, Command::LoadCheckpoint, 0, ui.checkpoint_path);
  ImGui::EndDisabled();
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize("Export CSV").x -
                          ImGui::GetStyle().FramePadding.x * 2 - 8);
  ImGui::InputText("##csv", &ui.csv_path);
  ImGui::SameLine();
  ImGui::BeginDisabled(s.history.epochs.empty());
  if (ImGui::Button("Export CSV")) {
    try {
      make_parent_dir(ui.csv_path);
      s.history.write_csv(ui.csv_path);
      ui.message = "Wrote " + ui.csv_path;
    } catch (const std::exception& e) {
      ui.message = e.what();
    }
  }
  ImGui::EndDisabled();
  if (!ui.message.empty()) ImGui::TextWrapped("%s", ui.message.c_str());
}

}  // namespace

void draw_train_controls_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Run", "controls");
  draw_settings(ui, s);
  ImGui::Separator();
  draw_buttons(ui, s);
  draw_progress(s);
  ImGui::Separator();
  draw_files(ui, s);
  ui.controls_h =
      ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y;  // what it needs, for the layout
}

}  // namespace cnnlab
