// ui/training/panel_train_curves.cpp — loss and accuracy per epoch (train solid, validation dashed,
// with markers), the running per-batch loss, axes with ticks and labels, legends above the plots
// (never on the data), and the overfitting gap shaded and sized in the legend. Runs ticked in the
// runs panel are drawn underneath, thinner, one colour each (train solid, validation dashed).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

struct Plot {
  ImVec2 p0, p1;    // the framed plot area (inside the axes)
  float inset = 6;  // data stay this far inside the frame: markers at the ends are whole
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  ImVec2 map(double x, double y) const {
    float l = p0.x + inset, r = p1.x - inset, t = p0.y + inset, b = p1.y - inset;
    return ImVec2(float(l + (x - x0) / (x1 - x0) * (r - l)),
                  float(b - (y - y0) / (y1 - y0) * (b - t)));
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

// Axes, grid, ticks and labels inside [origin, origin + size); `top` = space kept above the frame
// (title and legend). Returns the plot area.
Plot draw_axes(ImVec2 origin, ImVec2 size, float top, double x1, double y0, double y1) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float th = ImGui::GetTextLineHeight();
  std::vector<double> yticks =
      nice_ticks(y0, y1, std::clamp(int((size.y - top) / (th * 2.2f)), 2, 5));
  char buf[32];
  float tick_w = 0;
  for (double v : yticks) {
    std::snprintf(buf, sizeof buf, "%.4g", v);
    tick_w = std::max(tick_w, ImGui::CalcTextSize(buf).x);
  }
  Plot p;
  p.p0 = ImVec2(origin.x + tick_w + 8, origin.y + top);
  p.p1 = ImVec2(origin.x + size.x - 4, origin.y + size.y - th * 2.2f);
  p.x0 = 0, p.x1 = x1, p.y0 = y0, p.y1 = y1;
  ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f), axis = ImGui::GetColorU32(ImGuiCol_Text);
  for (double v : yticks) {
    ImVec2 a = p.map(0, v);
    dl->AddLine(ImVec2(p.p0.x, a.y), ImVec2(p.p1.x, a.y), grid);
    std::snprintf(buf, sizeof buf, "%.4g", v);
    ImVec2 ts = ImGui::CalcTextSize(buf);
    dl->AddText(ImVec2(p.p0.x - ts.x - 5, a.y - ts.y / 2), axis, buf);
  }
  float last_right = -1e9f;
  for (double v : nice_ticks(0, x1, std::max(2, int((p.p1.x - p.p0.x) / (th * 3))))) {
    if (v != std::floor(v)) continue;  // whole epochs only
    ImVec2 a = p.map(v, y0);
    dl->AddLine(ImVec2(a.x, p.p0.y), ImVec2(a.x, p.p1.y), grid);
    std::snprintf(buf, sizeof buf, "%g", v);
    ImVec2 ts = ImGui::CalcTextSize(buf);
    float x = std::min(a.x - ts.x / 2, p.p1.x - ts.x);
    if (x < last_right + th * 0.5f) continue;  // labels never touch: skip one that would
    dl->AddText(ImVec2(x, p.p1.y + 2), axis, buf);
    last_right = x + ts.x;
  }
  dl->AddRect(p.p0, p.p1, axis);
  ImVec2 xl = ImGui::CalcTextSize("epoch");
  dl->AddText(ImVec2((p.p0.x + p.p1.x - xl.x) / 2, p.p1.y + th + 4), axis, "epoch");
  return p;
}

// One legend entry: a line sample (dashed or solid, with the series' marker) or a shaded swatch.
struct LegendItem {
  const char* name;
  ImU32 color;
  bool dashed = false, square = false, marker = true, swatch = false;
};

float legend_item_width(const LegendItem& it) {
  return ImGui::CalcTextSize(it.name).x + ImGui::GetFontSize() * 2.6f;
}

// The legend flows in rows above the plot (never over the data). Returns the height it takes;
// draws only when `draw` is set, so the caller can measure first.
float draw_legend(ImVec2 at, float width, const std::vector<LegendItem>& items, bool draw) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float th = ImGui::GetTextLineHeight(), em = ImGui::GetFontSize(), x = at.x, y = at.y;
  for (const LegendItem& it : items) {
    float iw = legend_item_width(it);
    if (x > at.x && x + iw > at.x + width) x = at.x, y += th + 2;
    if (draw) {
      float cy = y + th / 2, sample = em * 1.6f;
      if (it.swatch) {
        dl->AddRectFilled(ImVec2(x, y + 2), ImVec2(x + sample, y + th - 2), it.color);
      } else {
        std::vector<ImVec2> seg{ImVec2(x, cy), ImVec2(x + sample, cy)};
        if (it.dashed)
          dashed_polyline(dl, seg, it.color, 2.5f);
        else
          dl->AddLine(seg[0], seg[1], it.color, 2.5f);
        ImVec2 m(x + sample / 2, cy);
        if (it.marker && it.square)
          dl->AddRectFilled(ImVec2(m.x - 4, m.y - 4), ImVec2(m.x + 4, m.y + 4), it.color);
        else if (it.marker)
          dl->AddCircleFilled(m, 4.5f, it.color);
      }
      dl->AddText(ImVec2(x + sample + em * 0.4f, y), ImGui::GetColorU32(ImGuiCol_Text), it.name);
    }
    x += iw;
  }
  return y + th - at.y;
}

LegendItem legend_of(const Series& s) {
  return {s.name, s.color, s.dashed, s.square, true, false};
}

void draw_series(const Plot& p, const Series& s) {
  if (s.x.empty()) return;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  std::vector<ImVec2> pts;
  for (size_t i = 0; i < s.x.size(); ++i)
    if (std::isfinite(s.y[i])) pts.push_back(p.map(s.x[i], std::clamp(s.y[i], p.y0, p.y1)));
  if (s.dashed)
    dashed_polyline(dl, pts, s.color, 2.5f);
  else
    dl->AddPolyline(pts.data(), int(pts.size()), s.color, 0, 2.5f);
  for (const ImVec2& q : pts) {  // marker shapes tell the series apart without colour
    if (s.square)
      dl->AddRectFilled(ImVec2(q.x - 4, q.y - 4), ImVec2(q.x + 4, q.y + 4), s.color);
    else
      dl->AddCircleFilled(q, 4.5f, s.color);
  }
}

// Shades between training and validation accuracy where training is ahead. Returns the last
// epoch's gap (0 without validation); the legend names it, so no label sits on the lines.
double draw_gap(const Plot& p, const Series& train, const Series& val) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  size_t n = std::min(train.x.size(), val.x.size());
  for (size_t i = 1; i < n; ++i) {
    double a0 = train.y[i - 1], a1 = train.y[i], v0 = val.y[i - 1], v1 = val.y[i];
    if (!std::isfinite(v0) || !std::isfinite(v1)) continue;
    ImVec2 q[4] = {p.map(train.x[i - 1], a0), p.map(train.x[i], a1),
                   p.map(val.x[i], std::min(v1, a1)), p.map(val.x[i - 1], std::min(v0, a0))};
    dl->AddConvexPolyFilled(q, 4, to_u32(okabe_ito::vermillion, 0.18f));
  }
  return n > 0 && std::isfinite(val.y[n - 1]) ? train.y[n - 1] - val.y[n - 1] : 0.0;
}

struct Curves {
  Series loss, val_loss, acc, val_acc, batch;
  std::vector<TickedRun> runs;  // overlaid recorded runs
  double xmax = 1, ymax = 0.5;
  float batch_max = 0;  // the highest batch loss (may lie above the loss plot's range)
};

// A recorded run's train (solid) and validation (dashed) curve of loss or accuracy, no markers.
void draw_overlay(const Plot& p, const TickedRun& t, bool loss) {
  std::vector<ImVec2> train, val;
  for (const EpochRecord& r : t.run->history.epochs) {
    double x = r.epoch + 1, a = loss ? r.loss : r.accuracy, v = loss ? r.val_loss : r.val_accuracy;
    if (std::isfinite(a)) train.push_back(p.map(x, std::clamp(a, p.y0, p.y1)));
    if (std::isfinite(v)) val.push_back(p.map(x, std::clamp(v, p.y0, p.y1)));
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddPolyline(train.data(), int(train.size()), t.color, 0, 2.0f);
  dashed_polyline(dl, val, t.color, 2.0f);
  if (train.size() == 1) dl->AddCircleFilled(train[0], 3.5f, t.color);  // one epoch: a dot
}

// One legend for the ticked runs above both plots: "ticked runs: — tiny s42 — tiny s43 ...".
float overlay_legend(const Curves& c, ImVec2 at, float width) {
  if (c.runs.empty()) return 0;
  const char* lead = "ticked runs:";  // validation dashed, as the live run's
  std::vector<LegendItem> items;
  for (const TickedRun& t : c.runs)
    items.push_back({t.label.c_str(), t.color, false, false, false});
  ImGui::GetWindowDrawList()->AddText(at, ImGui::GetColorU32(ImGuiCol_TextDisabled), lead);
  float lead_w = ImGui::CalcTextSize(lead).x + ImGui::GetFontSize() * 0.5f;
  bool beside = lead_w + legend_item_width(items[0]) <= width;
  float dy = beside ? 0 : ImGui::GetTextLineHeight() + 2;
  ImVec2 p(beside ? at.x + lead_w : at.x, at.y + dy);
  return dy + draw_legend(p, width - (p.x - at.x), items, true) + 4;
}

Curves collect(const Snapshot& s) {
  Curves c{{"loss", {}, {}, to_u32(okabe_ito::blue), false, false},
           {"val_loss", {}, {}, to_u32(okabe_ito::orange), true, true},
           {"accuracy", {}, {}, to_u32(okabe_ito::blue), false, false},
           {"val_accuracy", {}, {}, to_u32(okabe_ito::orange), true, true},
           {"batch loss", {}, {}, to_u32(okabe_ito::sky_blue, 0.8f), false, false}};
  for (const EpochRecord& r : s.history.epochs) {
    double x = r.epoch + 1;
    c.loss.x.push_back(x), c.loss.y.push_back(r.loss);
    c.val_loss.x.push_back(x), c.val_loss.y.push_back(r.val_loss);
    c.acc.x.push_back(x), c.acc.y.push_back(r.accuracy);
    c.val_acc.x.push_back(x), c.val_acc.y.push_back(r.val_accuracy);
    c.ymax = std::max({c.ymax, r.loss, std::isfinite(r.val_loss) ? r.val_loss : 0.0});
  }
  // Batch losses set the scale by their 90th percentile: one early spike (the course model's first
  // batches reach ~100) would otherwise flatten every later curve. Clipped values are said so.
  std::vector<float> finite;
  for (size_t i = 0; i < s.batch_losses.size() && i < s.batch_epoch.size(); ++i) {
    c.batch.x.push_back(s.batch_epoch[i]), c.batch.y.push_back(s.batch_losses[i]);
    if (std::isfinite(s.batch_losses[i])) finite.push_back(s.batch_losses[i]);
  }
  if (!finite.empty()) {
    c.batch_max = *std::max_element(finite.begin(), finite.end());
    std::nth_element(finite.begin(), finite.begin() + finite.size() * 9 / 10, finite.end());
    c.ymax = std::max(c.ymax, double(finite[finite.size() * 9 / 10]));
  }
  c.xmax = std::max({1.0, double(s.history.epochs.size()),
                     c.batch.x.empty() ? 0.0 : std::ceil(c.batch.x.back())});
  return c;
}

void add_runs(Curves& c, std::vector<TickedRun> runs) {
  for (const TickedRun& t : runs) {
    c.xmax = std::max(c.xmax, double(t.run->history.epochs.size()));
    for (const EpochRecord& r : t.run->history.epochs)
      c.ymax = std::max({c.ymax, std::isfinite(r.loss) ? r.loss : 0.0,
                         std::isfinite(r.val_loss) ? r.val_loss : 0.0});
  }
  c.runs = std::move(runs);
}

// A plot's title line: the title, then a note in the disabled colour beside it when it fits or on
// the next line when not. Returns the height used.
float title_lines(ImVec2 at, float width, const char* title, const std::string& note) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  float th = ImGui::GetTextLineHeight();
  dl->AddText(at, ImGui::GetColorU32(ImGuiCol_Text), title);
  if (note.empty()) return th;
  float tw = ImGui::CalcTextSize(title).x + ImGui::GetFontSize();
  bool beside = tw + ImGui::CalcTextSize(note.c_str()).x <= width;
  ImVec2 q = beside ? ImVec2(at.x + tw, at.y) : ImVec2(at.x, at.y + th);
  dl->PushClipRect(q, ImVec2(at.x + width, q.y + th), true);
  dl->AddText(q, ImGui::GetColorU32(ImGuiCol_TextDisabled), note.c_str());
  dl->PopClipRect();
  return beside ? th : 2 * th;
}

void loss_plot(const Curves& c, ImVec2 o, ImVec2 size) {
  std::string note;
  if (c.batch_max > c.ymax * 1.05) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "(batch loss clipped: peak %.3g)", c.batch_max);
    note = buf;
  }
  float top = title_lines(o, size.x, "loss", note);
  std::vector<LegendItem> items{{c.batch.name, c.batch.color, false, false, false, false},
                                legend_of(c.loss),
                                legend_of(c.val_loss)};
  top += draw_legend(ImVec2(o.x, o.y + top), size.x, items, true) + 6;
  Plot pl = draw_axes(o, size, top, c.xmax, 0, c.ymax * 1.05);
  for (const TickedRun& t : c.runs) draw_overlay(pl, t, true);
  // Batch losses are many points: one thin line, no markers.
  std::vector<ImVec2> pts;
  for (size_t i = 0; i < c.batch.x.size(); ++i)
    if (std::isfinite(c.batch.y[i]))
      pts.push_back(pl.map(c.batch.x[i], std::min(c.batch.y[i], pl.y1)));
  ImGui::GetWindowDrawList()->AddPolyline(pts.data(), int(pts.size()), c.batch.color, 0, 1.2f);
  draw_series(pl, c.loss);
  draw_series(pl, c.val_loss);
}

void accuracy_plot(const Snapshot& s, const Curves& c, ImVec2 o, ImVec2 size) {
  // The gap goes in the legend; it is measured before drawing (the shading needs the plot).
  size_t n = std::min(c.acc.y.size(), c.val_acc.y.size());
  double gap =
      n > 0 && std::isfinite(c.val_acc.y[n - 1]) ? c.acc.y[n - 1] - c.val_acc.y[n - 1] : 0.0;
  char gap_text[64];
  std::snprintf(gap_text, sizeof gap_text, "overfitting: gap %.2f", gap);
  std::vector<LegendItem> items{legend_of(c.acc), legend_of(c.val_acc)};
  if (gap > 0.1)
    items.push_back({gap_text, to_u32(okabe_ito::vermillion, 0.35f), false, false, false, true});
  float top = title_lines(o, size.x, "accuracy", "");
  top += draw_legend(ImVec2(o.x, o.y + top), size.x, items, true) + 6;
  Plot pa = draw_axes(o, size, top, c.xmax, 0, 1);
  for (const TickedRun& t : c.runs) draw_overlay(pa, t, false);
  draw_gap(pa, c.acc, c.val_acc);
  draw_series(pa, c.acc);
  draw_series(pa, c.val_acc);
  if (s.history.epochs.empty() && c.runs.empty()) {  // the ticked runs fill the plot
    const char* note =
        s.batch_losses.empty() ? "No training yet" : "Epoch curves appear after the first epoch";
    ImVec2 ts = ImGui::CalcTextSize(note);
    float x = std::max(pa.p0.x + 4, (pa.p0.x + pa.p1.x - ts.x) / 2);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(pa.p0, pa.p1, true);
    dl->AddText(ImVec2(x, (pa.p0.y + pa.p1.y - ts.y) / 2),
                ImGui::GetColorU32(ImGuiCol_TextDisabled), note);
    dl->PopClipRect();
  }
}

}  // namespace

void draw_train_curves_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "Curves: loss and accuracy per epoch", "curves");
  Curves c = collect(s);
  refresh_runs(ui, false);  // the ticked runs' histories (the runs panel may sit behind its tab)
  add_runs(c, ticked_runs(ui));
  float legend_h = overlay_legend(c, ImGui::GetCursorScreenPos(), ImGui::GetContentRegionAvail().x);
  if (legend_h > 0) ImGui::Dummy(ImVec2(0, legend_h));
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float gap = ImGui::GetFontSize(), th = ImGui::GetTextLineHeight();
  // Side by side while each plot keeps ~16 characters of width; else one above the other.
  bool side = avail.x >= 32 * ImGui::GetFontSize() || avail.y < 16 * th;
  float w = side ? (avail.x - gap) / 2 : avail.x;
  float h = std::max(side ? avail.y : (avail.y - gap) / 2, th * 9);
  ImVec2 o = ImGui::GetCursorScreenPos();
  loss_plot(c, o, ImVec2(w, h));
  accuracy_plot(s, c, side ? ImVec2(o.x + w + gap, o.y) : ImVec2(o.x, o.y + h + gap), ImVec2(w, h));
  ImGui::Dummy(side ? ImVec2(avail.x, h) : ImVec2(avail.x, 2 * h + gap));
}

}  // namespace cnnlab
