// ui/training/replay.cpp — the time-lapse replay: the accessor the replaying panels read, the
// replayed snapshot built from a recorded frame, the slider strip and the export it offers.
#include "ui/training/replay.h"

#include <imgui.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/log.h"
#include "ui/training/timelapse_export.h"

namespace cnnlab {

namespace {

std::vector<int> ints(const RecordTensor* t) {
  return t ? std::vector<int>(t->i32.begin(), t->i32.end()) : std::vector<int>{};
}

bool indices_fit(const std::vector<int>& idx, const Snapshot& s) {
  for (int i : idx)
    if (!s.data || i < 0 || size_t(i) >= s.data->size()) return false;
  return true;
}

SplitEval replayed_val(const Snapshot& live, const TimelapseFrame& f) {
  SplitEval e;
  const RecordTensor* conf = f.find("val/confusion");
  std::vector<int> idx = ints(f.find("val/indices"));
  const size_t k = live.class_names.size();
  if (!conf || conf->i32.size() != k * k || !indices_fit(idx, live)) return e;  // epoch -1: none
  e.split = "validation";
  e.epoch = f.epoch;
  e.indices = std::move(idx);
  e.predicted = ints(f.find("val/predicted"));
  e.confusion = ints(conf);
  if (const RecordTensor* m = f.find("val/metrics"); m && m->f32.size() == 2)
    e.loss = m->f32[0], e.accuracy = m->f32[1];
  return e;
}

}  // namespace

Snapshot make_replay_snapshot(const Snapshot& live, const TimelapseFrame& f, uint64_t version) {
  Snapshot r = live;
  r.epoch = f.epoch;
  r.weights_version = r.activations_version = version;
  r.conv_kernels.clear();
  r.activations.clear();
  for (const RecordTensor& t : f.tensors) {
    if (t.name.rfind("kernel/", 0) == 0)
      r.conv_kernels.push_back({t.name.substr(7), t.shape, t.f32});
    if (t.name.rfind("map/", 0) == 0) r.activations.push_back(dequantise_maps(t));
  }
  const std::vector<int> probe = ints(f.find("probe/index"));
  const RecordTensor* probs = f.find("probe/probs");
  r.probe_index = probe.size() == 1 && indices_fit(probe, live) ? probe[0] : -1;
  r.probe_probs = probs && r.probe_index >= 0 ? probs->f32 : std::vector<float>{};
  // The output layer's bars in the maps panel: the recorded probabilities under its name.
  if (!r.probe_probs.empty() && !live.activations.empty() &&
      live.activations.back().shape.size() == 1)
    r.activations.push_back(
        {live.activations.back().name, {int(r.probe_probs.size())}, r.probe_probs});
  r.val_eval = replayed_val(live, f);
  r.test_eval = SplitEval{};
  r.inspect.reset();  // the live network's arithmetic does not belong to a recorded epoch
  // The Explain tab: the recorded Grad-CAM (predicted class) while its heat is on.
  r.probe_explain = ProbeExplanation{};
  const int H = live.data ? live.data->height : 0, W = live.data ? live.data->width : 0;
  int cls = -1;
  std::vector<float> heat;
  if (live.explain.on && frame_gradcam(f, H, W, &cls, &heat) && cls >= 0 &&
      size_t(cls) < live.class_names.size()) {
    r.probe_explain.method = ExplainMethod::GradCam;
    r.probe_explain.cls = cls, r.probe_explain.h = H, r.probe_explain.w = W;
    r.probe_explain.layer = live.probe_explain.layer;
    r.probe_explain.heat = std::move(heat);
  }
  return r;
}

int replay_frames(const TrainingUi& ui) {
  return ui.snap->timelapse ? int(ui.snap->timelapse->frames.size()) : 0;
}

bool replaying(const TrainingUi& ui) {
  return ui.replay.frame >= 0 && replay_frames(ui) >= 2;
}

const Snapshot& shown_snapshot(TrainingUi& ui) {
  ReplayState& st = ui.replay;
  if (!replaying(ui)) return *ui.snap;
  st.frame = std::min(st.frame, replay_frames(ui) - 1);
  const TimelapseFrame* f = ui.snap->timelapse->frames[size_t(st.frame)].get();
  if (st.shown && st.built_from == ui.snap.get() && st.built_frame == f) return *st.shown;
  if (st.built_frame != f) ++st.version;  // new kernels and maps: the GL side uploads them
  st.shown = std::make_shared<const Snapshot>(make_replay_snapshot(*ui.snap, *f, st.version));
  st.built_from = ui.snap.get(), st.built_frame = f;
  return *st.shown;
}

void replay_set(TrainingUi& ui, int frame) {
  const int n = replay_frames(ui);
  ui.replay.frame = n >= 2 && frame >= 0 ? std::min(frame, n - 1) : -1;
}

void replay_set_epoch(TrainingUi& ui, int epoch) {
  for (int i = 0; i < replay_frames(ui); ++i)
    if (ui.snap->timelapse->frames[size_t(i)]->epoch == epoch) return replay_set(ui, i);
  throw UserError("", "no time-lapse frame of epoch " + std::to_string(epoch),
                  "train more batches (--batches) or pick a recorded epoch");
}

void replay_step(TrainingUi& ui, int delta) {
  const int n = replay_frames(ui);
  if (n < 2) return;
  int at = ui.replay.frame < 0 ? n : ui.replay.frame;  // from live, [ shows the last record
  at += delta;
  replay_set(ui, at >= n ? -1 : std::max(at, 0));  // ] past the last record returns to live
}

void replay_first(TrainingUi& ui) {
  replay_set(ui, 0);
}

void replay_live(TrainingUi& ui) {
  ui.replay.frame = -1;
}

void export_replay(TrainingUi& ui) {
  const std::string dir = (std::filesystem::path(ui.export_dir) / "timelapse").string();
  try {
    TimelapseExport e = export_timelapse(*ui.snap->timelapse, dir, dir + "/timelapse.gif");
    ui.message = "Wrote " + std::to_string(e.pngs.size()) + " PNGs and " + e.gif;
  } catch (const UserError& e) {
    ui.message = std::string("Time-lapse export failed: ") + e.what();
    log_error(ui.message);
  }
  ui.replay.export_note = ui.message;
}

namespace {

// Continues the line when an item `w` wide still fits, else starts a new one.
void flow(float w) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w <= right) ImGui::SameLine();
}

}  // namespace

float draw_replay_strip(TrainingUi& ui) {
  const int n = replay_frames(ui);
  if (n < 2) {
    ui.replay.frame = -1;
    return 0;
  }
  const float y0 = ImGui::GetCursorPosY(), em = ImGui::GetFontSize();
  const Timelapse& t = *ui.snap->timelapse;
  ImGui::PushID("replay");
  // The label only where there is room: at 1280 px with text ×2 the strip stays on one line.
  if (ImGui::GetContentRegionAvail().x > 60 * em) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Time-lapse");
    ImGui::SameLine();
  }
  if (ImGui::ArrowButton("prev", ImGuiDir_Left)) replay_step(ui, -1);
  ImGui::SameLine();
  int at = ui.replay.frame < 0 ? n - 1 : ui.replay.frame;
  const int epoch = t.frames[size_t(at)]->epoch;
  char label[48];
  std::snprintf(label, sizeof label, "epoch %d", epoch);
  ImGui::SetNextItemWidth(std::clamp(ImGui::GetContentRegionAvail().x * 0.3f, 8 * em, 22 * em));
  if (ImGui::SliderInt("##epoch", &at, 0, n - 1, label, ImGuiSliderFlags_AlwaysClamp))
    replay_set(ui, at);
  ImGui::SameLine();
  if (ImGui::ArrowButton("next", ImGuiDir_Right)) replay_step(ui, +1);
  ImGui::SameLine();
  ImGui::BeginDisabled(!replaying(ui));
  if (ImGui::Button("Live")) replay_live(ui);
  ImGui::EndDisabled();
  char state[96];
  if (replaying(ui))
    std::snprintf(state, sizeof state, "epoch %d of %d — replay", epoch, ui.snap->epochs);
  else
    std::snprintf(state, sizeof state, "live (%d recorded)", n);
  flow(ImGui::CalcTextSize(state).x);
  ImGui::AlignTextToFramePadding();
  if (replaying(ui))
    ImGui::TextColored(ImVec4(0.90f, 0.62f, 0.00f, 1.0f), "%s", state);  // Okabe–Ito orange
  else
    ImGui::TextDisabled("%s", state);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("[ and ] step through the epochs, Home the first, End live%s",
                      t.thinned ? "\n(a long run: every other early epoch was dropped)" : "");
  flow(ImGui::CalcTextSize("Export…").x + ImGui::GetStyle().FramePadding.x * 2);
  if (ImGui::Button("Export…")) export_replay(ui);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("A PNG per epoch and an animated GIF in %s/timelapse", ui.export_dir.c_str());
  ImGui::PopID();
  return ImGui::GetCursorPosY() - y0;
}

}  // namespace cnnlab
