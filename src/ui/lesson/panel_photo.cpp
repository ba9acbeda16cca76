// ui/lesson/panel_photo.cpp — the current kernel applied to a real photo (fragment shader), preset
// kernels.
#include <string>
#include <vector>

#include "core/log.h"
#include "ui/app.h"
#include "ui/lesson/lesson_panels.h"

namespace cnnlab {

namespace {

void draw_presets(App& app, int op) {
  ImGui::TextUnformatted("Preset kernels (3×3):");
  const ImGuiStyle& style = ImGui::GetStyle();
  float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  for (int i = 0; i < kNumKernelPresets; ++i) {
    const KernelPreset& p = kKernelPresets[i];
    float button_w = ImGui::CalcTextSize(p.name).x + 2.0f * style.FramePadding.x;
    if (i > 0 && ImGui::GetItemRectMax().x + style.ItemSpacing.x + button_w <= right_edge)
      ImGui::SameLine();
    if (ImGui::Button(p.name)) {
      std::vector<double> values(p.values, p.values + p.k * p.k);
      std::string problem = set_kernel_values(app.view, op, p.k, p.k, values);
      if (!problem.empty()) log_warn("preset " + std::string(p.name) + " not applied: " + problem);
    }
  }
}

}  // namespace

void draw_photo_panel(App& app) {
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextUnformatted("The kernel on a photo");
  ImGui::PopFont();
  int op = app.view.loaded() ? first_conv_op(app.view.lesson) : -1;
  if (op < 0) {
    ImGui::TextWrapped("This lesson has no convolution.");
    return;
  }
  PhotoState& photo = app.photo;
  if (photo.gl && photo.photo.valid() && photo.filter.ready()) {
    float avail = ImGui::GetContentRegionAvail().x;
    float w = (avail - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    float h = w * float(photo.photo.height()) / float(std::max(photo.photo.width(), 1));
    ImGui::BeginGroup();
    ImGui::TextUnformatted("photo");
    ImGui::Image(ImTextureID(intptr_t(photo.photo.id())), ImVec2(w, h));
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::TextUnformatted("⊛ kernel");
    ImGui::Image(ImTextureID(intptr_t(photo.filter.output().id())), ImVec2(w, h));
    ImGui::EndGroup();
    PhotoKernel pk = photo_kernel(app.view.lesson, op);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextWrapped("%s%s", photo.photo_name.c_str(),
                       pk.absolute    ? " · shown as |response|"
                       : pk.gain != 1 ? " · divided by the kernel's sum"
                                      : "");
    ImGui::PopStyleColor();
  } else {
    ImGui::TextWrapped("(The photo view needs OpenGL; see the log if it failed.)");
  }
  draw_presets(app, op);
}

}  // namespace cnnlab
