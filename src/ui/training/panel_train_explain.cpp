// ui/training/panel_train_explain.cpp — where the model looks: the probe (a dataset image or your
// own photo) beside itself under its Grad-CAM or saliency heat, with method, class and opacity; and
// opening a photo of your own as the probe.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "core/check.h"
#include "core/error.h"
#include "core/log.h"
#include "nn/explain.h"
#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

RgbaImage heat_rgba(const std::vector<float>& heat, int h, int w) {
  RgbaImage img(w, h);
  if (heat.size() != size_t(h) * w) return img;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float t = std::clamp(heat[size_t(y) * w + x], 0.0f, 1.0f);
      uint8_t* p = img.pixel(x, y);
      heat_colour(t, p);
      p[3] = uint8_t(std::lround(255 * (0.4f + 0.6f * t)));
    }
  return img;
}

void open_probe_image(TrainingUi& ui, const std::string& path) {
  if (!ui.worker) return;
  ui.force_tab = "explain";
  ui.select_tab = true;
  if (!ui.snap->data) {  // the photo is seen through a model: there is none yet
    log_warn("Load a dataset and model first (Run panel), then open " + path + " again");
    return;
  }
  send_command(ui, Command::SetProbeImage, 0, path);
  log_info("Opening " + path + " as the probe");
}

void probe_and_explain_blocking(TrainingUi& ui, const std::string& path, const std::string& method,
                                double timeout_s) {
  CNNLAB_ASSERT(ui.worker, "probe_and_explain_blocking needs a worker");
  if (!path.empty()) {
    const uint64_t v = ui.worker->latest()->version;
    send_command(ui, Command::SetProbeImage, 0, path);
    ui.snap = ui.worker->wait_until(
        [&](const Snapshot& s) {
          return s.version > v && (!s.error.empty() || !s.probe_file.empty());
        },
        timeout_s);
    if (!ui.snap->error.empty()) throw UserError("--probe-image", ui.snap->error);
  }
  Command c{Command::SetExplain};
  c.explain.on = !method.empty();
  if (c.explain.on && !parse_explain_method(method, &c.explain.method))
    throw UserError("--explain", "unknown method '" + method + "'", "use gradcam or saliency");
  ui.explain_started = true;
  ui.worker->send(c);
  ui.snap = ui.worker->wait_until(
      [&](const Snapshot& s) { return (s.probe_explain.cls >= 0) == c.explain.on; }, timeout_s);
}

void update_probe_gl(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // a replayed epoch shows its recorded Grad-CAM
  TrainingGl& gl = ui.gl;
  if (!gl.enabled) return;
  const int H = s.data ? s.data->height : 0, W = s.data ? s.data->width : 0;
  if (s.probe_version != gl.probe_view_for && s.probe_pixels.size() == size_t(H) * W * 3 && H > 0) {
    RgbaImage img(W, H);
    for (size_t i = 0; i < size_t(H) * W; ++i) {
      for (int c = 0; c < 3; ++c) img.rgba[i * 4 + c] = s.probe_pixels[i * 3 + c];
      img.rgba[i * 4 + 3] = 255;
    }
    gl.probe_view.upload(img);
    gl.probe_view_for = s.probe_version;
  }
  const ProbeExplanation& e = s.probe_explain;
  if (s.activations_version != gl.heat_for && e.cls >= 0) {
    gl.heat.upload(heat_rgba(e.heat, e.h, e.w));
    gl.heat_for = s.activations_version;
  }
}

namespace {

// Same-line unless `w` more pixels would run past the panel's right edge.
void flow(float w) {
  float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + w <= right) ImGui::SameLine();
}

float radio_w(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label).x;
}

// Method, class and opacity; a change goes to the worker as one SetExplain.
void explain_controls(TrainingUi& ui, const Snapshot& s) {
  ExplainRequest want = s.explain;
  if (!ui.explain_started) want.on = true, ui.explain_started = true;  // first view: show it
  ImGui::Checkbox("Heat", &want.on);
  int method = want.method == ExplainMethod::GradCam ? 0 : 1;
  flow(radio_w("Grad-CAM"));
  ImGui::RadioButton("Grad-CAM", &method, 0);
  flow(radio_w("Saliency"));
  ImGui::RadioButton("Saliency", &method, 1);
  want.method = method == 0 ? ExplainMethod::GradCam : ExplainMethod::Saliency;
  const std::string shown = want.cls < 0 ? "auto (predicted)" : class_name(s, want.cls);
  float em = ImGui::GetFontSize();
  flow(ImGui::CalcTextSize("Class").x + 12 * em);
  ImGui::SetNextItemWidth(10 * em);
  if (ImGui::BeginCombo("Class", shown.c_str())) {
    if (ImGui::Selectable("auto (predicted)", want.cls < 0)) want.cls = -1;
    for (int c = 0; c < int(s.class_names.size()); ++c)
      if (ImGui::Selectable(class_name(s, c).c_str(), want.cls == c)) want.cls = c;
    ImGui::EndCombo();
  }
  flow(ImGui::CalcTextSize("Opacity").x + 10 * em);
  ImGui::SetNextItemWidth(8 * em);
  ImGui::SliderFloat("Opacity", &ui.explain_opacity, 0.0f, 1.0f, "%.2f");
  if (want.on != s.explain.on || want.method != s.explain.method || want.cls != s.explain.cls) {
    Command c{Command::SetExplain};
    c.explain = want;
    if (ui.worker) ui.worker->send(c);
  }
}

// "Probe: your photo: NAME.jpg · predicted rose 61.0%" (no true class for your own photo).
void probe_line(const Snapshot& s) {
  std::string who;
  if (!s.probe_file.empty()) {
    who = "your photo: " + s.probe_file;
  } else if (s.data && s.probe_index >= 0) {
    std::filesystem::path p(s.data->paths[size_t(s.probe_index)]);
    who = p.parent_path().filename().string() + "/" + p.filename().string() +
          " (true: " + class_name(s, s.data->labels[size_t(s.probe_index)]) + ")";
  }
  char pct[64] = "";
  if (!s.probe_probs.empty()) {
    int best =
        int(std::max_element(s.probe_probs.begin(), s.probe_probs.end()) - s.probe_probs.begin());
    std::snprintf(pct, sizeof pct, " %.1f%%", 100.0 * s.probe_probs[size_t(best)]);
    who += " · predicted " + class_name(s, best) + pct;
  }
  ImGui::TextWrapped("Probe: %s", who.c_str());
}

// The viridis legend beside the overlay, `h` high: "high" at the top, "low" at the bottom.
void heat_legend(ImVec2 p, float h) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight(), bar_w = line * 0.8f;
  const float y0 = p.y + line, y1 = p.y + h - line;  // room for the labels
  const int steps = 32;
  for (int i = 0; i < steps; ++i) {
    uint8_t c[3];
    heat_colour(1.0f - (i + 0.5f) / steps, c);
    float a = y0 + (y1 - y0) * i / steps, b = y0 + (y1 - y0) * (i + 1) / steps;
    dl->AddRectFilled(ImVec2(p.x, a), ImVec2(p.x + bar_w, b), IM_COL32(c[0], c[1], c[2], 255));
  }
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  dl->AddText(ImVec2(p.x, p.y), text, "high");
  dl->AddText(ImVec2(p.x, y1), text, "low");
}

void explain_caption(const Snapshot& s) {
  const ProbeExplanation& e = s.probe_explain;
  ImGui::PushTextWrapPos(0);
  if (e.cls < 0) {
    ImGui::TextDisabled("Tick Heat to see where the model looks.");
  } else if (e.method == ExplainMethod::GradCam) {
    ImGui::Text(
        "Grad-CAM for %s: the maps of %s, each weighed by how much it raises the %s "
        "score (the logit, before softmax). Bright: the evidence for %s.",
        class_name(s, e.cls).c_str(), e.layer.c_str(), class_name(s, e.cls).c_str(),
        class_name(s, e.cls).c_str());
  } else {
    ImGui::Text(
        "Saliency for %s: how much each pixel, nudged, changes the %s score. Bright: "
        "the pixels that matter most.",
        class_name(s, e.cls).c_str(), class_name(s, e.cls).c_str());
  }
  ImGui::PopTextWrapPos();
}

// The probe (when `both`), and beside it the probe under the heat (each `side` square), the
// legend on the right.
void explain_images(TrainingUi& ui, const Snapshot& s, float side, bool both) {
  const TrainingGl& gl = ui.gl;
  const bool have_probe = gl.probe_view.valid() && gl.probe_view_for == s.probe_version;
  ImGui::BeginGroup();
  if (both) {
    texture_image(have_probe ? gl.probe_view.id() : 0, ImVec2(side, side));
    ImGui::SameLine();
  }
  ImVec2 at = ImGui::GetCursorScreenPos();
  texture_image(have_probe ? gl.probe_view.id() : 0, ImVec2(side, side));
  const bool heat = s.probe_explain.cls >= 0 && gl.heat.valid() && have_probe;
  if (heat)
    ImGui::GetWindowDrawList()->AddImage(ImTextureID(intptr_t(gl.heat.id())), at,
                                         ImVec2(at.x + side, at.y + side), ImVec2(0, 0),
                                         ImVec2(1, 1), to_u32(Rgb{1, 1, 1}, ui.explain_opacity));
  if (s.probe_explain.cls >= 0) {
    ImGui::SameLine();
    ImVec2 p = ImGui::GetCursorScreenPos();
    heat_legend(p, side);
    ImGui::Dummy(ImVec2(ImGui::CalcTextSize("high").x, side));
  }
  ImGui::EndGroup();
}

void explain_text(TrainingUi& ui, const Snapshot& s) {
  explain_controls(ui, s);
  probe_line(s);
  if (!s.error.empty() && s.status.find("cannot be the probe") != std::string::npos)
    ImGui::TextWrapped("✗ %s", s.error.c_str());
}

void open_image_row(TrainingUi& ui) {
  if (ImGui::SmallButton("Open image…")) ui.open_image_request = true;
  flow(ImGui::CalcTextSize("or drop a photo on the window").x);
  ImGui::TextDisabled("or drop a photo on the window");
}

}  // namespace

void draw_train_explain_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);
  panel_header(ui, "Where the model looks", "explain");
  if (!s.data) {
    ImGui::TextDisabled("Load a dataset first; then drop a photo on the window to probe it.");
    return;
  }
  const float em = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
  const float legend_w = ImGui::CalcTextSize("high").x + gap;
  const float line = ImGui::GetFrameHeightWithSpacing();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  // Stacked (controls, the two images, the caption) unless that leaves the images small: then
  // (a projector with big text) the image column is as tall as the panel, the rest beside it.
  const float stacked = std::min((avail.x - legend_w) / 2 - gap, avail.y - 5.5f * line);
  if (stacked < 8 * em && avail.x > avail.y + 16 * em) {
    const float side =
        std::floor(std::max(std::min(avail.y - line, avail.x - legend_w - 16 * em), 4 * em));
    const bool both = avail.x - 2 * (side + gap) - legend_w >= 16 * em;
    explain_images(ui, s, side, both);
    ImGui::SameLine(0, 2 * gap);
    ImGui::BeginGroup();
    explain_text(ui, s);
    explain_caption(s);
    open_image_row(ui);
    ImGui::EndGroup();
    return;
  }
  explain_text(ui, s);
  avail = ImGui::GetContentRegionAvail();  // the caption and button below: ~3.5 lines
  float side = std::min((avail.x - legend_w) / 2 - gap, avail.y - 3.5f * line);
  if (side < 8 * em) side = std::min((avail.x - legend_w) / 2 - gap, avail.y - 1.5f * line);
  explain_images(ui, s, std::floor(std::max(side, 4 * em)), true);
  explain_caption(s);
  open_image_row(ui);
}

void draw_open_image_dialog(TrainingUi& ui) {
  if (std::exchange(ui.open_image_request, false)) ImGui::OpenPopup("Open image");
  ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 32, 0), ImGuiCond_Appearing);
  if (!ImGui::BeginPopupModal("Open image", nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
  ImGui::TextWrapped(
      "A photo's path (JPEG, PNG, BMP, …): it becomes the probe, shown through "
      "the model as it is now.");
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-1);
  bool go = ImGui::InputTextWithHint("##path", "/path/to/photo.jpg", &ui.open_image_path,
                                     ImGuiInputTextFlags_EnterReturnsTrue);
  go = ImGui::Button("Open") || go;
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    ImGui::CloseCurrentPopup();
  if (go && !ui.open_image_path.empty()) {
    open_probe_image(ui, ui.open_image_path);
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace cnnlab
