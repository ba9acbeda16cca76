// ui/lesson/panel_photo.cpp — the current kernel applied to a real photo (fragment shader), preset
// kernels; enlarged over the workspace, a hovered (or pinned) pixel's K×K arithmetic in the
// lesson tape's words, its window outlined on the photo.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/log.h"
#include "gfx/colormap.h"
#include "gfx/gl.h"
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

// Nearest when enlarged: each filtered pixel a crisp square (and the pixel test reads it exactly).
void set_output_filter(PhotoState& photo, bool nearest) {
  GLuint id = photo.filter.output().id();
  if (!id) return;
  GLint f = nearest ? GL_NEAREST : GL_LINEAR;
  glBindTexture(GL_TEXTURE_2D, id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, f);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, f);
}

// An image `size` on screen showing `w` × `h` pixels; the pixel under the mouse (or -1).
struct PixelPick {
  int y = -1, x = -1;
};
PixelPick image_pick(ImVec2 p0, ImVec2 size, int w, int h) {
  PixelPick pick;
  if (!ImGui::IsItemHovered()) return pick;
  ImVec2 m = ImGui::GetIO().MousePos;
  pick.x = std::clamp(int((m.x - p0.x) / size.x * float(w)), 0, w - 1);
  pick.y = std::clamp(int((m.y - p0.y) / size.y * float(h)), 0, h - 1);
  return pick;
}

// The K×K window as swatches of the photo's colours (cells past the edge, which repeat it, dimmed),
// and the kernel's values beside it.
void window_swatches(const PhotoPixel& px, const PhotoKernel& pk, float cell) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 p = ImGui::GetCursorScreenPos();
  for (int i = 0; i < px.k; ++i)
    for (int j = 0; j < px.k; ++j) {
      size_t t = size_t(i) * px.k + j;
      ImVec4 c(px.ch[0].values[t], px.ch[1].values[t], px.ch[2].values[t], 1.0f);
      ImVec2 q0(p.x + j * cell, p.y + i * cell), q1(q0.x + cell - 2, q0.y + cell - 2);
      dl->AddRectFilled(q0, q1, ImGui::ColorConvertFloat4ToU32(c));
      if (px.ch[0].clamped[t]) dl->AddLine(q0, q1, ImGui::GetColorU32(ImGuiCol_TextDisabled), 2);
    }
  ImGui::Dummy(ImVec2(cell * px.k, cell * px.k));
  ImGui::SameLine(0, cell * 0.5f);
  p = ImGui::GetCursorScreenPos();
  float m = 1e-6f;
  for (float v : pk.values) m = std::max(m, std::fabs(v));
  for (int i = 0; i < pk.k; ++i)
    for (int j = 0; j < pk.k; ++j) {
      float v = pk.values[size_t(i) * pk.k + j];
      Rgb col = diverging(v / m);
      ImVec2 q0(p.x + j * cell, p.y + i * cell), q1(q0.x + cell - 2, q0.y + cell - 2);
      dl->AddRectFilled(q0, q1, ImGui::ColorConvertFloat4ToU32(ImVec4(col.r, col.g, col.b, 1)));
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.3g", v);
      ImVec2 ts = ImGui::CalcTextSize(buf);
      if (ts.x + 4 <= cell)
        dl->AddText(ImVec2(q0.x + (cell - 2 - ts.x) / 2, q0.y + (cell - 2 - ts.y) / 2),
                    luminance(col) > 0.45f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255),
                    buf);
    }
  ImGui::Dummy(ImVec2(cell * pk.k, cell * pk.k));
}

// The hovered (or pinned) pixel: its window outlined on the photo, the pixel on the result, the
// swatches, the tape; and for screenshots the shown bytes in the layout record.
void pixel_arithmetic(App& app, const PhotoKernel& pk, PixelPick at, ImVec2 src0, ImVec2 dst0,
                      float scale, float cell) {
  PhotoState& photo = app.photo;
  PhotoPixel px = photo_pixel(photo.image, pk, at.y, at.x);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float r = float(pk.k / 2);
  // Black under white: visible on any photo (orange vanished on a sunflower).
  auto outline = [&](ImVec2 a, ImVec2 b) {
    dl->AddRect(ImVec2(a.x - 3, a.y - 3), ImVec2(b.x + 3, b.y + 3), IM_COL32(0, 0, 0, 255), 0, 0,
                4);
    dl->AddRect(ImVec2(a.x - 2, a.y - 2), ImVec2(b.x + 2, b.y + 2), IM_COL32(255, 255, 255, 255), 0,
                0, 2);
  };
  outline(ImVec2(src0.x + (at.x - r) * scale, src0.y + (at.y - r) * scale),
          ImVec2(src0.x + (at.x + r + 1) * scale, src0.y + (at.y + r + 1) * scale));
  outline(ImVec2(dst0.x + at.x * scale, dst0.y + at.y * scale),
          ImVec2(dst0.x + (at.x + 1) * scale, dst0.y + (at.y + 1) * scale));
  ImGui::TextWrapped(
      "pixel (y %d, x %d): its %d\u00d7%d window (edges repeat: crossed), the kernel", at.y, at.x,
      pk.k, pk.k);
  window_swatches(px, pk, cell);
  int ch = photo.tape_channel;  // the products of one channel (the others' sums follow)
  if (ch < 0)
    for (int c = 0; c < 3; ++c)
      if (ch < 0 || std::fabs(px.ch[c].sum) > std::fabs(px.ch[ch].sum)) ch = c;
  ImGui::SameLine(0, cell * 0.5f);
  ImGui::BeginGroup();
  ImGui::TextUnformatted("products of");
  for (int c = 0; c < 3; ++c) {
    const char* names[] = {"R", "G", "B"};
    if (c) ImGui::SameLine();
    if (ImGui::RadioButton(names[c], ch == c)) photo.tape_channel = c;
  }
  ImGui::EndGroup();
  ImGui::PushTextWrapPos(0);
  for (const std::string& line : photo_tape(px, pk, ch)) ImGui::TextUnformatted(line.c_str());
  ImGui::PopTextWrapPos();
  if (app.record_layout) {
    char state[64];
    std::snprintf(state, sizeof state, "rgb=%d,%d,%d", int(std::lround(px.shown[0] * 255)),
                  int(std::lround(px.shown[1] * 255)), int(std::lround(px.shown[2] * 255)));
    app.layout.cells.push_back({"photo.result", at.y, at.x, state});
  }
}

}  // namespace

void draw_photo_large(App& app) {
  PhotoState& photo = app.photo;
  if (!photo.large) return;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  if (!ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) ImGui::SetNextWindowFocus();
  ImGui::Begin(
      "The kernel on a photo###photo_large", nullptr,
      ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoMove);
  ImGui::PushFont(app.fonts.heading);
  ImGui::TextUnformatted("The kernel on a photo");
  ImGui::PopFont();
  ImGui::SameLine();
  float close_w = ImGui::CalcTextSize("Close").x + ImGui::GetStyle().FramePadding.x * 2;
  ImGui::SetCursorPosX(
      std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - close_w));
  if (ImGui::Button("Close")) photo.large = false;  // Esc too (shortcuts.cpp)
  int op = app.view.loaded() ? first_conv_op(app.view.lesson) : -1;
  if (op < 0 || !photo.gl || !photo.filter.ready() || photo.image.empty()) {
    ImGui::TextWrapped(op < 0 ? "This lesson has no convolution."
                              : "(The photo view needs OpenGL; see the log if it failed.)");
    ImGui::End();
    return;
  }
  PhotoKernel pk = photo_kernel(app.view.lesson, op);
  const RgbaImage& im = photo.image;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float em = ImGui::GetFontSize(), gap = em;
  float cell = std::floor(
      std::clamp(std::max(em * 1.6f, 32.0f), 10.0f, avail.x * 0.1f / float(std::max(pk.k, 1))));
  // Side by side with the arithmetic below, or stacked with it on the right (short screens, large
  // text): whichever gives the larger images with the whole tape in view.
  auto tape_h = [&](float width) {
    float chars_per_line = std::max(8.0f, width / (em * 0.5f));
    float product_lines = std::ceil(float(pk.k * pk.k * 11 + 12) / chars_per_line);
    float other_lines = std::ceil(48.0f / chars_per_line);
    return ImGui::GetTextLineHeightWithSpacing() * (product_lines + other_lines + 4) +
           cell * float(pk.k);
  };
  float row_scale = std::min((avail.x - gap) / 2 / float(im.width),
                             (avail.y - tape_h(avail.x) - gap) / float(im.height));
  float col_scale = (avail.y - gap) / 2 / float(im.height);
  while (col_scale > 0.2f && tape_h(avail.x - col_scale * float(im.width) - gap) > avail.y)
    col_scale *= 0.95f;
  bool stacked = col_scale > row_scale;
  float scale = std::max(stacked ? col_scale : row_scale, 0.2f);
  ImVec2 size(std::floor(im.width * scale), std::floor(im.height * scale));
  ImGui::BeginGroup();
  ImVec2 src0 = ImGui::GetCursorScreenPos();
  ImGui::Image(ImTextureID(intptr_t(photo.photo.id())), size);
  PixelPick hover = image_pick(src0, size, im.width, im.height);
  bool clicked = ImGui::IsItemClicked();
  if (!stacked) ImGui::SameLine(0, gap);
  ImVec2 dst0 = ImGui::GetCursorScreenPos();
  set_output_filter(photo, true);
  ImGui::Image(ImTextureID(intptr_t(photo.filter.output().id())), size);
  ImGui::EndGroup();
  PixelPick h2 = image_pick(dst0, size, im.width, im.height);
  if (h2.y >= 0) hover = h2;
  clicked = clicked || ImGui::IsItemClicked();
  if (clicked && hover.y >= 0) {
    bool same = hover.y == photo.pin_y && hover.x == photo.pin_x;
    photo.pin_y = same ? -1 : hover.y, photo.pin_x = same ? -1 : hover.x;
  }
  if (stacked) ImGui::SameLine(0, gap);
  ImGui::BeginGroup();
  if (app.record_layout)
    app.layout.grids.push_back({"photo.result", dst0.x, dst0.y, scale, im.height, im.width, 0, 0});
  PixelPick at = photo.pin_y >= 0 ? PixelPick{std::min(photo.pin_y, im.height - 1),
                                              std::min(photo.pin_x, im.width - 1)}
                                  : hover;
  if (at.y < 0)
    ImGui::TextWrapped(
        "Hover a pixel of either image to see its %d\u00d7%d arithmetic with the "
        "current kernel; click to pin it.",
        pk.k, pk.k);
  else
    pixel_arithmetic(app, pk, at, src0, dst0, scale, cell);
  ImGui::EndGroup();
  ImGui::End();
}

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
  if (photo.large) {
    ImGui::TextWrapped("Shown large over the lesson: Close (or Esc) returns here.");
  } else if (photo.gl && photo.photo.valid() && photo.filter.ready()) {
    if (ImGui::SmallButton("Enlarge: hover a pixel for its arithmetic")) photo.large = true;
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
    set_output_filter(photo, false);  // shrunk: smooth
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
