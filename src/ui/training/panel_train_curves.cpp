// ui/training/panel_train_curves.cpp — loss and accuracy per epoch (train solid, validation dashed, with markers),
// the running per-batch loss, axes with ticks and labels, a legend, and the overfitting gap shaded.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

struct Plot {
  ImVec2 p0, p1;          // plot area (inside the axes)
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  ImVec2 map(double x, double y) const {
    return ImVec2(float(p0.x + (x - x0) / (x1 - x0) * (p1.x - p0.x)), float(p1.y - (y - y0) / (y1 - y0) * (p1.y - p0.y)));
  }
};

struct Series {
  const char* name;
  std::vector<double> x, y;
  ImU32 color;
  bool dashed, square;
};

void dashed_polyline(ImDrawList* dl, const std::vector<ImVec2>& pts, ImU32 col, float thick) {
  const float dash = 7, gap = 5;
  float phase = 0;
  for (size_t i = 1; i < pts.size(); ++i) {
    ImVec2 a = pts[i - 1], b = pts[i];
    float len = std::hypot(b.x - a.x, b.y - a.y);
    for (float t = 0; t < len;) {
      float seg = std::min(phase < dash ? dash - phase : dash + gap - phase, len - t);
      if (phase < dash) {
        ImVec2 s(a.x + (b.x - a.x) * t / len, a.y + (b.y - a.y) * t / len);
        ImVec2 e(a.x + (b.x - a.x) * (t + seg) / len, a.y + (b.y - a.y) * (t + seg) / len);
        dl->AddLine(s, e, col, thick);
      }
      t += seg;
      phase = std::fmod(phase + seg, dash + gap);
    }
  }
}

// Axes, grid, ticks and labels; returns the plot area.
Plot draw_axes(ImVec2 origin, ImVec2 size, double x1, double y0, double y1, const char* ylabel) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float th = ImGui::GetTextLineHeight();
  Plot p;
  p.p0 = ImVec2(origin.x + ImGui::CalcTextSize("0.00").x + th * 1.6f, origin.y + th * 1.5f);
  p.p1 = ImVec2(origin.x + size.x - 8, origin.y + size.y - th * 2.4f);
  p.x0 = 0, p.x1 = x1, p.y0 = y0, p.y1 = y1;
  ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f), axis = ImGui::GetColorU32(ImGuiCol_Text);
  char buf[32];
  for (double v : nice_ticks(y0, y1, 5)) {
    ImVec2 a = p.map(0, v);
    dl->AddLine(ImVec2(p.p0.x, a.y), ImVec2(p.p1.x, a.y), grid);
    std::snprintf(buf, sizeof buf, "%.4g", v);
    ImVec2 ts = ImGui::CalcTextSize(buf);
    dl->AddText(ImVec2(p.p0.x - ts.x - 4, a.y - ts.y / 2), axis, buf);
  }
  for (double v : nice_ticks(0, x1, std::max(2, int((p.p1.x - p.p0.x) / 60)))) {
    if (v != std::floor(v)) continue;  // whole epochs only
    ImVec2 a = p.map(v, y0);
    dl->AddLine(ImVec2(a.x, p.p0.y), ImVec2(a.x, p.p1.y), grid);
    std::snprintf(buf, sizeof buf, "%g", v);
    ImVec2 ts = ImGui::CalcTextSize(buf);
    dl->AddText(ImVec2(a.x - ts.x / 2, p.p1.y + 2), axis, buf);
  }
  dl->AddRect(p.p0, p.p1, axis);
  ImVec2 xl = ImGui::CalcTextSize("epoch");
  dl->AddText(ImVec2((p.p0.x + p.p1.x - xl.x) / 2, p.p1.y + th + 2), axis, "epoch");
  dl->AddText(ImVec2(origin.x, origin.y - 2), axis, ylabel);
  return p;
}

void draw_series(const Plot& p, const Series& s) {
  if (s.x.empty()) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  std::vector<ImVec2> pts;
  for (size_t i = 0; i < s.x.size(); ++i)
    if (std::isfinite(s.y[i])) pts.push_back(p.map(s.x[i], std::clamp(s.y[i], p.y0, p.y1)));
  if (s.dashed) dashed_polyline(dl, pts, s.color, 2.5f);
  else dl->AddPolyline(pts.data(), int(pts.size()), s.color, 0, 2.5f);
  for (const ImVec2& q : pts) {  // marker shapes tell the series apart without colour
    if (s.square) dl->AddRectFilled(ImVec2(q.x - 4, q.y - 4), ImVec2(q.x + 4, q.y + 4), s.color);
    else dl->AddCircleFilled(q, 4.5f, s.color);
  }
}

// The legend goes in the right-hand corner (top or bottom) that covers fewer data points.
void draw_legend(const Plot& p, const std::vector<const Series*>& series) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float th = ImGui::GetTextLineHeight(), w = 0;
  for (const Series* s : series) w = std::max(w, ImGui::CalcTextSize(s->name).x);
  float x0 = p.p1.x - w - 56, h = th * series.size() + 10;
  int top = 0, bottom = 0;
  for (const Series* s : series)
    for (size_t i = 0; i < s->x.size(); ++i) {
      if (!std::isfinite(s->y[i])) continue;
      ImVec2 q = p.map(s->x[i], std::clamp(s->y[i], p.y0, p.y1));
      if (q.x < x0) continue;
      top += q.y < p.p0.y + h;
      bottom += q.y > p.p1.y - h;
    }
  ImVec2 o(p.p1.x - w - 52, bottom < top ? p.p1.y - th * series.size() - 8 : p.p0.y + 6);
  dl->AddRectFilled(ImVec2(o.x - 4, o.y - 2), ImVec2(p.p1.x - 4, o.y + th * series.size() + 2),
                    ImGui::GetColorU32(ImGuiCol_WindowBg, 0.9f));
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = *series[i];
    float y = o.y + th * (i + 0.5f);
    std::vector<ImVec2> seg{ImVec2(o.x, y), ImVec2(o.x + 34, y)};
    if (s.dashed) dashed_polyline(dl, seg, s.color, 2.5f);
    else dl->AddLine(seg[0], seg[1], s.color, 2.5f);
    if (s.square) dl->AddRectFilled(ImVec2(o.x + 13, y - 4), ImVec2(o.x + 21, y + 4), s.color);
    else dl->AddCircleFilled(ImVec2(o.x + 17, y), 4.5f, s.color);
    dl->AddText(ImVec2(o.x + 42, y - th / 2), ImGui::GetColorU32(ImGuiCol_Text), s.name);
  }
}

// Shades between training and validation accuracy where training is ahead; labels it.
void draw_gap(const Plot& p, const Series& train, const Series& val) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  size_t n = std::min(train.x.size(), val.x.size());
  double last_gap = 0;
  for (size_t i = 1; i < n; ++i) {
    double a0 = train.y[i - 1], a1 = train.y[i], v0 = val.y[i - 1], v1 = val.y[i];
    if (!std::isfinite(v0) || !std::isfinite(v1)) continue;
    ImVec2 q[4] = {p.map(train.x[i - 1], a0), p.map(train.x[i], a1), p.map(val.x[i], std::min(v1, a1)),
                   p.map(val.x[i - 1], std::min(v0, a0))};
    dl->AddConvexPolyFilled(q, 4, to_u32(okabe_ito::vermillion, 0.18f));
  }
  if (n > 0 && std::isfinite(val.y[n - 1])) last_gap = train.y[n - 1] - val.y[n - 1];
  if (last_gap > 0.1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "overfitting: gap %.2f", last_gap);
    ImVec2 a = p.map(train.x[n - 1], (train.y[n - 1] + val.y[n - 1]) / 2);
    ImVec2 ts = ImGui::CalcTextSize(buf);
    ImVec2 at(std::max(p.p0.x + 4, a.x - ts.x - 8), a.y - ts.y / 2);
    dl->AddRectFilled(ImVec2(at.x - 3, at.y - 1), ImVec2(at.x + ts.x + 3, at.y + ts.y + 1), ImGui::GetColorU32(ImGuiCol_WindowBg, 0.85f));
    dl->AddText(at, ImGui::GetColorU32(ImGuiCol_Text), buf);
  }
}

}  // namespace

void draw_train_curves_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Curves: loss and accuracy per epoch", "curves");
  const History& h = s.history;
  Series loss{"loss", {}, {}, to_u32(okabe_ito::blue), false, false};
  Series val_loss{"val_loss", {}, {}, to_u32(okabe_ito::orange), true, true};
  Series acc{"accuracy", {}, {}, to_u32(okabe_ito::blue), false, false};
  Series val_acc{"val_accuracy", {}, {}, to_u32(okabe_ito::orange), true, true};
  Series batch{"batch loss", {}, {}, to_u32(okabe_ito::sky_blue, 0.8f), false, false};
  double ymax = 0.5;
  for (const EpochRecord& r : h.epochs) {
    double x = r.epoch + 1;
    loss.x.push_back(x), loss.y.push_back(r.loss);
    val_loss.x.push_back(x), val_loss.y.push_back(r.val_loss);
    acc.x.push_back(x), acc.y.push_back(r.accuracy);
    val_acc.x.push_back(x), val_acc.y.push_back(r.val_accuracy);
    ymax = std::max({ymax, r.loss, std::isfinite(r.val_loss) ? r.val_loss : 0.0});
  }
  // Batch losses set the scale by their 90th percentile: one early spike (the course model's first
  // batches reach ~100) would otherwise flatten every later curve. Clipped values are said so below.
  std::vector<float> finite;
  for (size_t i = 0; i < s.batch_losses.size() && i < s.batch_epoch.size(); ++i) {
    batch.x.push_back(s.batch_epoch[i]), batch.y.push_back(s.batch_losses[i]);
    if (std::isfinite(s.batch_losses[i])) finite.push_back(s.batch_losses[i]);
  }
  float batch_max = 0;
  if (!finite.empty()) {
    batch_max = *std::max_element(finite.begin(), finite.end());
    std::nth_element(finite.begin(), finite.begin() + finite.size() * 9 / 10, finite.end());
    ymax = std::max(ymax, double(finite[finite.size() * 9 / 10]));
  }
  double xmax = std::max({1.0, double(h.epochs.size()), batch.x.empty() ? 0.0 : std::ceil(batch.x.back())});
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float w = (avail.x - ImGui::GetStyle().ItemSpacing.x) / 2, ht = std::max(avail.y, 120.0f);
  ImVec2 o = ImGui::GetCursorScreenPos();
  o.y += ImGui::GetTextLineHeight();
  Plot pl = draw_axes(o, ImVec2(w, ht - ImGui::GetTextLineHeight()), xmax, 0, ymax * 1.05, "loss");
  // Batch losses are many points: one thin line, no markers.
  std::vector<ImVec2> pts;
  for (size_t i = 0; i < batch.x.size(); ++i)
    if (std::isfinite(batch.y[i])) pts.push_back(pl.map(batch.x[i], std::min(batch.y[i], pl.y1)));
  ImGui::GetWindowDrawList()->AddPolyline(pts.data(), int(pts.size()), batch.color, 0, 1.2f);
  draw_series(pl, loss);
  draw_series(pl, val_loss);
  draw_legend(pl, {&batch, &loss, &val_loss});
  if (batch_max > pl.y1) {
    char note[64];
    std::snprintf(note, sizeof note, "batch loss clipped: peak %.3g", batch_max);
    // Beside the axis title, above the plot: never under the legend or the lines.
    ImGui::GetWindowDrawList()->AddText(ImVec2(o.x + ImGui::CalcTextSize("loss").x + 16, o.y - 2),
                                        ImGui::GetColorU32(ImGuiCol_TextDisabled), note);
  }
  ImVec2 o2(o.x + w + ImGui::GetStyle().ItemSpacing.x, o.y);
  Plot pa = draw_axes(o2, ImVec2(w, ht - ImGui::GetTextLineHeight()), xmax, 0, 1, "accuracy");
  draw_gap(pa, acc, val_acc);
  draw_series(pa, acc);
  draw_series(pa, val_acc);
  draw_legend(pa, {&acc, &val_acc});
  if (h.epochs.empty()) {
    const char* note = s.batch_losses.empty() ? "No training yet" : "Epoch curves appear after the first epoch";
    ImVec2 ts = ImGui::CalcTextSize(note);
    ImGui::GetWindowDrawList()->AddText(ImVec2((pa.p0.x + pa.p1.x - ts.x) / 2, (pa.p0.y + pa.p1.y - ts.y) / 2),
                                        ImGui::GetColorU32(ImGuiCol_TextDisabled), note);
  }
  ImGui::Dummy(ImVec2(avail.x, ht));
}

}  // namespace cnnlab
