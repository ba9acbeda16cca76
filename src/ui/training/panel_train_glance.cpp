// ui/training/panel_train_glance.cpp — the network at a glance (after CNN Explainer's overview):
// the probe photo, a column of map thumbnails per layer, the dense layers as strips of cells and
// the softmax with class names and percentages, with lines showing which maps feed which. Click a
// map (or a unit) to enlarge it; hover one of its pixels (click to pin) to see that pixel's
// arithmetic on the real model's numbers, computed by the worker (Command::Inspect, nn/inspect.h).
//
// [SECTION] layout of the strip
// [SECTION] drawing the strip (lines under, thumbnails over)
// [SECTION] the enlarged map and its arithmetic
// [SECTION] panel entry and screenshot tokens
#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "ui/training/replay.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

using okabe_ito::orange;
using okabe_ito::sky_blue;

//-----------------------------------------------------------------------------
// [SECTION] layout of the strip
//-----------------------------------------------------------------------------
enum class ColKind { Photo, Maps, Dense, Softmax };

// One column of the strip: what it shows and where its cells are (screen pixels).
struct Column {
  ColKind kind = ColKind::Maps;
  int act = -1;         // index into Snapshot::activations (-1: the photo)
  int gl = -1;          // index into TrainingGl::maps
  bool per_map = true;  // maps fed one to one by the previous column (pool, batch norm)
  float x = 0, w = 0;
  std::vector<ImVec4> cells;  // (x0, y0, x1, y1) of each map / class row; the dense strip's rows
  std::vector<int> ids;       // the channel, unit or class of each cell
  std::string name, shape;    // label: "conv 2", "64@149²"
  float label_w = 0;          // the label's width
  int more = 0;               // maps not shown ("+N more")
  ImVec4 more_cell{};         // where "+N more" goes
};

bool skipped_layer(const std::string& name) {  // identity at inference: not worth a column
  return name.rfind("random_", 0) == 0 || name.rfind("dropout", 0) == 0;
}

bool is_softmax(const Snapshot& s, int act) {
  return act == int(s.activations.size()) - 1 && s.activations[size_t(act)].shape.size() == 1 &&
         s.activations[size_t(act)].values.size() == s.probe_probs.size();
}

float text_w(const std::string& t) {
  return ImGui::CalcTextSize(t.c_str()).x;
}

std::string pct(float p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0f * p);
  return buf;
}

// A short name for a strip label: "conv 2" for conv2d_1, "pool 1" for max_pooling2d (the full Keras
// name is in the tooltip).
std::string short_name(const std::string& keras, bool softmax) {
  if (softmax) return "output";
  static const char* const kinds[][2] = {{"conv2d", "conv"},
                                         {"max_pooling2d", "pool"},
                                         {"average_pooling2d", "avg pool"},
                                         {"global_average_pooling2d", "avg"},
                                         {"batch_normalization", "norm"},
                                         {"dense", "dense"}};
  for (const auto& k : kinds) {
    std::string base = k[0];
    if (keras == base) return std::string(k[1]) + " 1";
    if (keras.rfind(base + "_", 0) == 0 && keras.size() > base.size() + 1 &&
        std::isdigit(static_cast<unsigned char>(keras[base.size() + 1])))
      return std::string(k[1]) + " " +
             std::to_string(std::atoi(keras.c_str() + base.size() + 1) + 1);
  }
  return keras;
}

// The columns, left to right, with their labels and fixed widths (maps and photo: see place).
std::vector<Column> strip_columns(const Snapshot& s, float em) {
  std::vector<Column> cols;
  if (s.probe_index >= 0) {
    Column c;
    c.kind = ColKind::Photo, c.name = "probe", c.shape = "photo";
    cols.push_back(c);
  }
  int gl = 0;
  for (int i = 0; i < int(s.activations.size()); ++i) {
    const TensorCopy& t = s.activations[size_t(i)];
    bool maps = t.shape.size() == 3;
    int my_gl = maps ? gl++ : -1;
    if (skipped_layer(t.name)) continue;
    Column c;
    c.kind = maps ? ColKind::Maps : is_softmax(s, i) ? ColKind::Softmax : ColKind::Dense;
    c.act = i, c.gl = my_gl;
    c.per_map = maps && t.name.rfind("conv2d", 0) != 0;
    c.name = short_name(t.name, c.kind == ColKind::Softmax);
    char buf[64];
    if (maps)
      std::snprintf(buf, sizeof buf, "%d@%d\u00b2", t.shape[2], t.shape[0]);
    else
      std::snprintf(buf, sizeof buf, "%zu", t.values.size());
    c.shape = buf;
    if (c.kind == ColKind::Dense) c.w = em * 2.2f;
    if (c.kind == ColKind::Softmax) {
      float names = 0;
      for (size_t k = 0; k < t.values.size(); ++k)
        names = std::max(names, text_w(class_name(s, int(k))));
      c.w = std::max(em * 6, names + text_w(" 100.0%") + em * 0.6f);
    }
    cols.push_back(c);
  }
  for (Column& c : cols) c.label_w = std::max(text_w(c.name), text_w(c.shape) * 0.8f) + em * 0.4f;
  return cols;
}

// Places the columns in [x0, x0 + w) and their cells in [y0, y0 + h): map tiles as large as fits
// (at most 6 a column before "+N more") with every column at least as wide as its label; what
// width is left goes to the gaps (the lines).
void place_columns(const Snapshot& s, std::vector<Column>& cols, float x0, float y0, float w,
                   float h, float em) {
  int max_c = 1;
  for (const Column& c : cols)
    if (c.kind == ColKind::Maps) max_c = std::max(max_c, s.activations[size_t(c.act)].shape[2]);
  const float g = std::max(2.0f, em * 0.2f), min_gap = em * 1.2f;
  const float more_h = ImGui::GetFontSize() * 1.7f;  // "+N" over "more", a size smaller
  const int n = int(cols.size()), per_col = std::min(max_c, 6);
  auto photo_side = [&](float t) {
    return std::min({std::max(t * 1.5f, em * 3), h * 0.5f, em * 9});
  };
  auto pitch_sum = [&](float t) {
    float sum = 0;
    for (const Column& c : cols) {
      float cw = c.kind == ColKind::Maps ? t : c.kind == ColKind::Photo ? photo_side(t) : c.w;
      sum += std::max(cw + min_gap, c.label_w);
    }
    return sum;
  };
  float tile = std::floor((h - g * float(per_col - 1)) / float(per_col));
  while (tile > em * 1.2f && pitch_sum(tile) > w + min_gap) tile -= 1;
  for (Column& c : cols)
    c.w = c.kind == ColKind::Maps ? tile : c.kind == ColKind::Photo ? photo_side(tile) : c.w;
  float spare = std::max(0.0f, w + min_gap - pitch_sum(tile));
  float extra = n > 1 ? std::min(spare / float(n - 1), em * 5) : 0;
  float used = pitch_sum(tile) - min_gap + extra * float(n - 1);
  float x = x0 + std::max(0.0f, (w - used) * 0.5f);
  std::vector<float> pitch;
  for (const Column& c : cols) pitch.push_back(std::max(c.w + min_gap, c.label_w) + extra);
  if (used > w) {  // the smallest tiles and still too wide: labels give way (fit_text shortens)
    float squeeze = (used - w) / float(std::max(n - 1, 1));
    for (size_t i = 0; i + 1 < pitch.size(); ++i)
      pitch[i] = std::max(cols[i].w + em * 0.5f, pitch[i] - squeeze);
  }
  size_t ci = 0;
  for (Column& c : cols) {
    c.x = x;
    x += pitch[ci++];
    if (c.kind == ColKind::Photo) {
      float top = y0 + (h - c.w) * 0.5f;
      c.cells.push_back({c.x, top, c.x + c.w, top + c.w});
      c.ids.push_back(0);
    } else if (c.kind == ColKind::Maps) {
      int channels = s.activations[size_t(c.act)].shape[2];
      int fit = std::max(1, int((h + g) / (tile + g)));
      int shown = channels <= fit ? channels : std::max(1, int((h - more_h) / (tile + g)));
      c.more = channels - shown;
      float top = y0 + (h - (tile + g) * float(shown) + g - (c.more ? more_h : 0)) * 0.5f;
      for (int k = 0; k < shown; ++k) {
        float y = top + float(k) * (tile + g);
        c.cells.push_back({c.x, y, c.x + tile, y + tile});
        c.ids.push_back(k);
      }
      float y = top + float(shown) * (tile + g);
      c.more_cell = {c.x, y, c.x + tile, y + more_h};
    } else if (c.kind == ColKind::Dense) {
      const size_t units = s.activations[size_t(c.act)].values.size();
      int rows = int(std::min<size_t>(units, size_t(std::max(1.0f, h / 3))));
      for (int r = 0; r < rows; ++r) {
        float ya = y0 + h * float(r) / float(rows), yb = y0 + h * float(r + 1) / float(rows);
        c.cells.push_back({c.x, ya, c.x + c.w, yb});
        c.ids.push_back(int(size_t(r) * units / size_t(rows)));  // the row's first unit
      }
    } else {
      const int classes = int(s.activations[size_t(c.act)].values.size());
      float row = std::min(ImGui::GetTextLineHeight() * 1.8f, h / float(std::max(classes, 1)));
      float top = y0 + (h - row * float(classes)) * 0.5f;
      for (int k = 0; k < classes; ++k) {
        c.cells.push_back({c.x, top + row * float(k), c.x + c.w, top + row * float(k + 1) - 2});
        c.ids.push_back(k);
      }
    }
  }
}

//-----------------------------------------------------------------------------
// [SECTION] drawing the strip (lines under, thumbnails over)
//-----------------------------------------------------------------------------
bool inside(ImVec2 p, const ImVec4& r) {
  return p.x >= r.x && p.x < r.z && p.y >= r.y && p.y < r.w;
}

ImVec2 right_mid(const ImVec4& r) {
  return ImVec2(r.z, (r.y + r.w) * 0.5f);
}
ImVec2 left_mid(const ImVec4& r) {
  return ImVec2(r.x, (r.y + r.w) * 0.5f);
}

void curve(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float thick) {
  float dx = (b.x - a.x) * 0.5f;
  dl->AddBezierCubic(a, ImVec2(a.x + dx, a.y), ImVec2(b.x - dx, b.y), b, col, thick);
}

// The points where a column's lines end: its cells, or for a dense strip 5 points down its edge.
std::vector<ImVec4> anchors(const Column& c) {
  if (c.kind != ColKind::Dense || c.cells.empty()) return c.cells;
  std::vector<ImVec4> out;
  float y0 = c.cells.front().y, y1 = c.cells.back().w;
  for (int k = 0; k < 5; ++k) {
    float y = y0 + (y1 - y0) * (float(k) + 0.5f) / 5;
    out.push_back({c.x, y - 1, c.x + c.w, y + 1});
  }
  return out;
}

// Lines from column a to column b: one to one for per-map layers, else every cell to every cell
// (faint); the hovered cell's lines (into it from a, or out of it to b) stand out.
void draw_links(ImDrawList* dl, const Column& a, const Column& b, int hover_col_a, int hover_col_b,
                int hover_cell, float em) {
  ImU32 faint = ImGui::GetColorU32(ImGuiCol_Text, 0.13f);
  ImU32 strong = to_u32(orange, 0.95f);
  std::vector<ImVec4> from = anchors(a), to = anchors(b);
  if (b.per_map && a.kind == ColKind::Maps) {
    for (size_t k = 0; k < std::min(from.size(), to.size()); ++k) {
      bool hot = (hover_col_b >= 0 || hover_col_a >= 0) && int(k) == hover_cell;
      curve(dl, right_mid(from[k]), left_mid(to[k]), hot ? strong : faint, hot ? 3.0f : 1.0f);
    }
    return;
  }
  for (size_t i = 0; i < from.size(); ++i)
    for (size_t j = 0; j < to.size(); ++j) {
      bool hot = (hover_col_b >= 0 && int(j) == hover_cell && b.kind != ColKind::Dense) ||
                 (hover_col_a >= 0 && int(i) == hover_cell && a.kind != ColKind::Dense);
      if (hot) continue;  // drawn last, on top
      curve(dl, right_mid(from[i]), left_mid(to[j]), faint, 1.0f);
    }
  for (size_t i = 0; i < from.size(); ++i)
    for (size_t j = 0; j < to.size(); ++j) {
      bool hot = (hover_col_b >= 0 && int(j) == hover_cell && b.kind != ColKind::Dense) ||
                 (hover_col_a >= 0 && int(i) == hover_cell && a.kind != ColKind::Dense);
      if (hot) curve(dl, right_mid(from[i]), left_mid(to[j]), strong, std::max(2.0f, em * 0.12f));
    }
}

// A map thumbnail from the layer's atlas (or a placeholder without GL).
void map_image(TrainingUi& ui, int gl_index, int channel, ImVec2 size, bool nearest) {
  LayerMapsGl* gl = gl_index >= 0 && size_t(gl_index) < ui.gl.maps.size()
                        ? ui.gl.maps[size_t(gl_index)].get()
                        : nullptr;
  if (!gl || channel >= gl->c) {
    texture_image(0, size);
    return;
  }
  set_map_filter(*gl, nearest);
  float tu = 1.0f / float(gl->cols), tv = 1.0f / float(gl->rows);
  int col = channel % gl->cols, row = channel / gl->cols;
  texture_image(gl->rgba.texture(), size, ImVec2(col * tu, row * tv),
                ImVec2((col + 1) * tu, (row + 1) * tv));
}

void column_label(ImDrawList* dl, const Column& c, float y, float room) {
  float w = std::max(c.w, room);
  std::string name = fit_text(c.name, w), shape = c.shape;
  float line = ImGui::GetTextLineHeight();
  dl->AddText(ImVec2(c.x, y), ImGui::GetColorU32(ImGuiCol_Text), name.c_str());
  // The shape a size smaller: "64@149²" must fit over a thumbnail at zoom 2.
  const float small = ImGui::GetFontSize() * 0.8f;
  if (ImGui::GetFont()->CalcTextSizeA(small, FLT_MAX, 0, shape.c_str()).x > w)
    shape = fit_text(shape, w / 0.8f);
  dl->AddText(ImGui::GetFont(), small, ImVec2(c.x, y + line),
              ImGui::GetColorU32(ImGuiCol_TextDisabled), shape.c_str());
}

void draw_dense_column(const Snapshot& s, const Column& c, ImDrawList* dl) {
  const std::vector<float>& v = s.activations[size_t(c.act)].values;
  float vmax = 1e-12f;
  for (float x : v) vmax = std::max(vmax, std::fabs(x));
  for (size_t r = 0; r < c.cells.size(); ++r) {
    size_t i0 = size_t(c.ids[r]), i1 = r + 1 < c.cells.size() ? size_t(c.ids[r + 1]) : v.size();
    float m = 0;
    for (size_t i = i0; i < std::max(i1, i0 + 1); ++i) m = std::max(m, v[i]);
    const ImVec4& q = c.cells[r];
    dl->AddRectFilled(ImVec2(q.x, q.y), ImVec2(q.z, q.w), to_u32(viridis(m / vmax)));
  }
  if (!c.cells.empty())
    dl->AddRect(ImVec2(c.x, c.cells.front().y), ImVec2(c.x + c.w, c.cells.back().w),
                ImGui::GetColorU32(ImGuiCol_Border));
}

void draw_softmax_column(const Snapshot& s, const Column& c, ImDrawList* dl) {
  const std::vector<float>& p = s.activations[size_t(c.act)].values;
  int best = int(std::max_element(p.begin(), p.end()) - p.begin());
  float line = ImGui::GetTextLineHeight();
  for (size_t k = 0; k < c.cells.size(); ++k) {
    const ImVec4& q = c.cells[k];
    dl->AddRectFilled(ImVec2(q.x, q.y), ImVec2(q.x + (q.z - q.x) * p[k], q.w),
                      to_u32(int(k) == best ? orange : sky_blue, 0.55f));
    dl->AddRect(ImVec2(q.x, q.y), ImVec2(q.z, q.w), ImGui::GetColorU32(ImGuiCol_Border));
    if (q.w - q.y < line) continue;
    std::string value = pct(p[k]);
    std::string name = fit_text(class_name(s, int(k)), q.z - q.x - text_w(value) - line * 0.8f);
    float ty = (q.y + q.w - line) * 0.5f;
    dl->AddText(ImVec2(q.x + line * 0.2f, ty), ImGui::GetColorU32(ImGuiCol_Text), name.c_str());
    dl->AddText(ImVec2(q.z - text_w(value) - line * 0.2f, ty), ImGui::GetColorU32(ImGuiCol_Text),
                value.c_str());
  }
}

void open_cell(TrainingUi& ui, const Snapshot& s, const Column& c, int id) {
  if (c.kind == ColKind::Photo) return;
  ui.glance.layer = s.activations[size_t(c.act)].name;
  ui.glance.channel = id;
  ui.glance.pin_y = ui.glance.pin_x = -1;
  if (c.kind == ColKind::Dense && id >= 0) {  // a folded row: its strongest unit
    const std::vector<float>& v = s.activations[size_t(c.act)].values;
    size_t r = size_t(std::find(c.ids.begin(), c.ids.end(), id) - c.ids.begin());
    size_t end = r + 1 < c.ids.size() ? size_t(c.ids[r + 1]) : v.size();
    for (size_t i = size_t(id); i < end; ++i)
      if (v[i] > v[size_t(ui.glance.channel)]) ui.glance.channel = int(i);
  }
}

std::string hover_note(const Snapshot& s, const Column& c, int id) {
  char buf[160];
  if (c.kind == ColKind::Photo) return "The probe photo, as the model sees it";
  const TensorCopy& t = s.activations[size_t(c.act)];
  if (c.kind == ColKind::Maps)
    std::snprintf(buf, sizeof buf, "%s, map %d of %d (%d\u00d7%d)\nClick to enlarge it",
                  t.name.c_str(), id + 1, t.shape[2], t.shape[0], t.shape[1]);
  else if (c.kind == ColKind::Softmax)
    std::snprintf(buf, sizeof buf, "%s: %s\nClick for its arithmetic", class_name(s, id).c_str(),
                  pct(t.values[size_t(id)]).c_str());
  else
    std::snprintf(buf, sizeof buf,
                  "%s (%zu units), from unit %d\nClick for the strongest one's "
                  "arithmetic",
                  t.name.c_str(), t.values.size(), id);
  return buf;
}

void draw_strip(TrainingUi& ui, const Snapshot& s) {
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImVec2 o = ImGui::GetCursorScreenPos();
  float em = ImGui::GetFontSize(), line = ImGui::GetTextLineHeightWithSpacing();
  float label_h = line * 2 + em * 0.3f, hint_h = line + 2;
  float body_h = std::max(avail.y - label_h - hint_h, em * 4);
  std::vector<Column> cols = strip_columns(s, em);
  place_columns(s, cols, o.x, o.y + label_h, avail.x, body_h, em);
  // What is under the mouse (before drawing: its lines are highlighted).
  ImVec2 mouse = ImGui::GetIO().MousePos;
  bool over = ImGui::IsWindowHovered();
  int hc = -1, hk = -1;
  for (int i = 0; over && i < int(cols.size()); ++i)
    for (int k = 0; k < int(cols[size_t(i)].cells.size()); ++k)
      if (inside(mouse, cols[size_t(i)].cells[size_t(k)])) hc = i, hk = k;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (size_t i = 0; i + 1 < cols.size(); ++i)
    draw_links(dl, cols[i], cols[i + 1], hc == int(i) ? 0 : -1, hc == int(i + 1) ? 0 : -1, hk, em);
  for (size_t i = 0; i < cols.size(); ++i) {
    const Column& c = cols[i];
    float room = i + 1 < cols.size() ? cols[i + 1].x - c.x - em * 0.2f : c.w;
    column_label(dl, c, o.y, room);
    if (c.kind == ColKind::Photo) {
      ImGui::SetCursorScreenPos(ImVec2(c.cells[0].x, c.cells[0].y));
      ImVec2 size(c.w, c.w);
      texture_image(ui.gl.probe.valid() ? ui.gl.probe.id() : 0, size);
    } else if (c.kind == ColKind::Maps) {
      for (size_t k = 0; k < c.cells.size(); ++k) {
        ImGui::SetCursorScreenPos(ImVec2(c.cells[k].x, c.cells[k].y));
        float side = c.cells[k].z - c.cells[k].x;
        map_image(ui, c.gl, c.ids[k], ImVec2(side, side),
                  side >= float(s.activations[size_t(c.act)].shape[0]));
      }
      if (c.more) {
        std::string more = "+" + std::to_string(c.more) + " more";  // one line, else two
        ImU32 grey = ImGui::GetColorU32(ImGuiCol_TextDisabled);
        const float small = em * 0.8f;
        ImFont* font = ImGui::GetFont();
        float y = c.more_cell.y + 2;
        if (font->CalcTextSizeA(small, FLT_MAX, 0, more.c_str()).x <= std::max(c.w, room)) {
          dl->AddText(font, small, ImVec2(c.x, y), grey, more.c_str());
        } else {
          more = "+" + std::to_string(c.more);
          dl->AddText(font, small, ImVec2(c.x, y), grey, more.c_str());
          dl->AddText(font, small, ImVec2(c.x, y + small), grey, "more");
        }
      }
    } else if (c.kind == ColKind::Dense) {
      draw_dense_column(s, c, dl);
    } else {
      draw_softmax_column(s, c, dl);
    }
    if (int(i) == hc) {
      const ImVec4& q = c.cells[size_t(hk)];
      dl->AddRect(ImVec2(q.x - 2, q.y - 2), ImVec2(q.z + 2, q.w + 2), to_u32(orange), 0, 0, 3);
    }
  }
  if (hc >= 0) {
    const Column& c = cols[size_t(hc)];
    ImGui::SetTooltip("%s", hover_note(s, c, c.ids[size_t(hk)]).c_str());
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) open_cell(ui, s, c, c.ids[size_t(hk)]);
  }
  ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + label_h + body_h + 2));
  ImGui::TextDisabled("%s", fit_text("Lines: which maps feed which. Click a map or a unit for its "
                                     "arithmetic.",
                                     avail.x)
                                .c_str());
}

//-----------------------------------------------------------------------------
// [SECTION] the enlarged map and its arithmetic
//-----------------------------------------------------------------------------
bool same_output(const OutputArithmetic* a, const std::string& layer, int y, int x, int c) {
  return a && a->layer == layer && a->y == y && a->x == x && a->c == c;
}

// Sends Inspect for (layer, y, x, c) unless that is what was last asked for these maps.
void request_inspect(TrainingUi& ui, const Snapshot& s, int y, int x, int c) {
  GlanceState& g = ui.glance;
  std::string key =
      g.layer + " " + std::to_string(y) + " " + std::to_string(x) + " " + std::to_string(c);
  if (same_output(s.inspect.get(), g.layer, y, x, c)) return;
  if (key == g.asked && g.asked_at == s.activations_version) return;
  g.asked = key, g.asked_at = s.activations_version;
  if (!ui.worker) return;
  Command cmd{Command::Inspect};
  cmd.layer = g.layer, cmd.y = y, cmd.x = x, cmd.index = c;
  ui.worker->send(std::move(cmd));
}

// A KH×KW grid of cells: values (one channel of a window or kernel) coloured, numbers if they fit.
void value_grid(const OutputArithmetic& a, const std::vector<float>& v, int stride, int ch,
                bool kernel, float cell) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 p = ImGui::GetCursorScreenPos();
  float lo = 1e30f, hi = -1e30f, m = 1e-12f;
  for (int t = 0; t < a.kh * a.kw; ++t) {
    float x = v[size_t(t) * stride + ch];
    lo = std::min(lo, x), hi = std::max(hi, x), m = std::max(m, std::fabs(x));
  }
  const float small = ImGui::GetFontSize() * 0.75f;
  auto small_w = [&](const char* t) {
    return ImGui::GetFont()->CalcTextSizeA(small, FLT_MAX, 0, t).x;
  };
  bool numbers = cell >= small_w("\u22120.00") + 4;
  for (int i = 0; i < a.kh; ++i)
    for (int j = 0; j < a.kw; ++j) {
      int t = i * a.kw + j;
      float x = v[size_t(t) * stride + ch];
      ImVec2 q0(p.x + j * cell, p.y + i * cell), q1(q0.x + cell - 1, q0.y + cell - 1);
      bool pad = !kernel && a.padded[size_t(t)];
      Rgb col = kernel ? diverging(x / m) : viridis(hi > lo ? (x - lo) / (hi - lo) : 0.5f);
      dl->AddRectFilled(q0, q1, pad ? ImGui::GetColorU32(ImGuiCol_FrameBg) : to_u32(col));
      if (a.kind == LayerKind::MaxPool2D && t == a.arg)
        dl->AddRect(q0, q1, to_u32(orange), 0, 0, 3);
      if (!numbers) continue;
      char n[32];
      std::snprintf(n, sizeof n, "%.2f", pad ? 0.0f : x);
      std::string text = n[0] == '-' ? "\u2212" + std::string(n + 1) : std::string(n);
      float lum = pad ? 1.0f : luminance(col);
      dl->AddText(
          ImGui::GetFont(), small,
          ImVec2(q0.x + (cell - small_w(text.c_str())) * 0.5f, q0.y + (cell - small) * 0.5f),
          lum > 0.45f ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255), text.c_str());
    }
  ImGui::Dummy(ImVec2(cell * a.kw, cell * a.kh));
}

// The window (and for a conv the kernel) of the largest contribution's channel, side by side.
void window_grids(TrainingUi& ui, const OutputArithmetic& a, float w) {
  (void)ui;
  int ch = a.kind == LayerKind::Conv2D && !a.terms.empty() ? a.terms[0].index : 0;
  bool conv = a.kind == LayerKind::Conv2D;
  float em = ImGui::GetFontSize();
  float cell = std::floor(std::min(em * 3.2f, (w - em * 2) / float(a.kw * (conv ? 2 : 1))));
  if (cell < 6) return;
  std::string what =
      conv ? (a.rgb_input ? std::string(1, "RGB"[ch]) : "channel " + std::to_string(ch)) : "window";
  if (conv)
    ImGui::TextWrapped("%s, the largest share: window, kernel", what.c_str());
  else
    ImGui::TextWrapped("the window (orange: its max)");
  ImGui::BeginGroup();
  value_grid(a, a.window, a.win_c, conv ? ch : 0, false, cell);
  ImGui::EndGroup();
  if (conv) {
    ImGui::SameLine(0, em * 1.5f);
    ImGui::BeginGroup();
    value_grid(a, a.kernel, a.win_c, ch, true, cell);
    ImGui::EndGroup();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(
        (window_products(a, ch, 4) + " = " + tape_number(a.terms[0].value)).c_str());
    ImGui::PopTextWrapPos();
  }
}

void arithmetic_box(TrainingUi& ui, const Snapshot& s, const OutputArithmetic& a, float w) {
  if (a.kind != LayerKind::Dense)  // the header names a unit; a map's pixel is said here
    ImGui::TextWrapped("pixel (y %d, x %d) of map %d", a.y, a.x, a.c + 1);
  ImGui::PushFont(ui.mono);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing,
                      ImVec2(ImGui::GetStyle().ItemSpacing.x, ImGui::GetFontSize() * 0.15f));
  ImGui::PushTextWrapPos(0);
  for (const std::string& l : arithmetic_tape(a, s.class_names)) ImGui::TextUnformatted(l.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleVar();
  ImGui::PopFont();
  // The engine's own value at this position: the map's pixel (the arithmetic must give it).
  bool agree = std::fabs(a.result - a.engine) <= 1e-4f * std::max(1.0f, std::fabs(a.engine));
  ImGui::PushStyleColor(
      ImGuiCol_Text, agree ? ImGui::GetStyle().Colors[ImGuiCol_Text] : ImVec4(0.84f, 0.37f, 0, 1));
  ImGui::TextWrapped("%s: %s %s",
                     a.kind == LayerKind::Dense ? "the network's value" : "the map shows",
                     tape_number(a.engine).c_str(), agree ? "\u2713" : "(differs!)");
  ImGui::PopStyleColor();
  if (a.kh > 1 || a.kw > 1) {
    bool pad = std::find(a.padded.begin(), a.padded.end(), 1) != a.padded.end();
    ImGui::Separator();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextWrapped("window %d\u00d7%d\u00d7%d of %s, rows %s to %s, columns %s to %s%s", a.kh,
                       a.kw, a.win_c, a.rgb_input ? "the photo" : "the input maps",
                       tape_number(a.in_y0).c_str(), tape_number(a.in_y0 + a.kh - 1).c_str(),
                       tape_number(a.in_x0).c_str(), tape_number(a.in_x0 + a.kw - 1).c_str(),
                       pad ? " (grey: padding, 0)" : "");
    ImGui::PopStyleColor();
    window_grids(ui, a, w);
  }
}

// The enlarged map; returns the output pixel under the mouse (or pinned), y = −1 for none.
ImVec2 enlarged_map(TrainingUi& ui, const Snapshot& s, int act, int gl_index, float side) {
  const TensorCopy& t = s.activations[size_t(act)];
  GlanceState& g = ui.glance;
  ImVec2 p0 = ImGui::GetCursorScreenPos();
  map_image(ui, gl_index, g.channel, ImVec2(side, side), side >= float(t.shape[0]));
  int h = t.shape[0], w = t.shape[1];
  ImVec2 target(-1, -1);
  if (ImGui::IsItemHovered()) {
    ImVec2 m = ImGui::GetIO().MousePos;
    int x = std::clamp(int((m.x - p0.x) / side * float(w)), 0, w - 1);
    int y = std::clamp(int((m.y - p0.y) / side * float(h)), 0, h - 1);
    target = ImVec2(float(x), float(y));
    if (ImGui::IsItemClicked()) {
      bool same = g.pin_x == x && g.pin_y == y;
      g.pin_x = same ? -1 : x, g.pin_y = same ? -1 : y;
    }
  }
  if (g.pin_y >= 0) target = ImVec2(float(g.pin_x), float(g.pin_y));
  if (target.y >= 0) {
    float cw = side / float(w), chh = side / float(h);
    ImVec2 q0(p0.x + target.x * cw, p0.y + target.y * chh);
    ImGui::GetWindowDrawList()->AddRect(
        ImVec2(q0.x - 2, q0.y - 2),
        ImVec2(q0.x + std::max(cw, 2.0f) + 2, q0.y + std::max(chh, 2.0f) + 2), to_u32(orange), 0, 0,
        3);
  }
  return target;
}

void draw_enlarged(TrainingUi& ui, const Snapshot& s, int act, int gl_index) {
  GlanceState& g = ui.glance;
  const TensorCopy& t = s.activations[size_t(act)];
  bool maps = t.shape.size() == 3;
  int n = maps ? t.shape[2] : int(t.values.size());
  g.channel = std::clamp(g.channel, 0, n - 1);
  if (ImGui::SmallButton("\u2190 the whole network")) {
    g.layer.clear();
    return;
  }
  ImGui::SameLine();
  if (maps)
    ImGui::TextWrapped("%s, map %d of %d (%d\u00d7%d)", t.name.c_str(), g.channel + 1, n,
                       t.shape[0], t.shape[1]);
  else
    ImGui::TextWrapped("%s, unit %d of %d", t.name.c_str(), g.channel, n);
  ImVec2 avail = ImGui::GetContentRegionAvail();
  float em = ImGui::GetFontSize();
  ImVec2 target(0, 0);
  float box_w = avail.x;
  if (maps) {
    float side = std::floor(std::max(
        em * 4, std::min(avail.y - ImGui::GetTextLineHeightWithSpacing(), avail.x * 0.36f)));
    ImGui::BeginGroup();
    target = enlarged_map(ui, s, act, gl_index, side);
    ImGui::TextDisabled("%s", fit_text(g.pin_y >= 0 ? "Pinned: click it again to let go"
                                                    : "Hover a pixel; click pins it",
                                       side)
                                  .c_str());
    ImGui::EndGroup();
    ImGui::SameLine(0, em);
    box_w = ImGui::GetContentRegionAvail().x;
  }
  ImGui::BeginChild("glance_box", ImVec2(box_w, 0), true);
  if (replaying(ui)) {  // the record keeps maps, not the weights behind every sum
    ImGui::TextWrapped(
        "Replaying a recorded epoch: the maps are that epoch's (conv layers, 8 bits, at most "
        "64 a side). The arithmetic is shown for the live network: press End to return.");
  } else if (target.y < 0) {
    ImGui::TextWrapped(
        "Hover a pixel of the map to see how the network computed it: the input "
        "window, the kernel, the sum, the bias and the ReLU.");
  } else {
    request_inspect(ui, s, int(target.y), int(target.x), g.channel);
    const OutputArithmetic* a = s.inspect.get();
    if (same_output(a, g.layer, int(target.y), int(target.x), g.channel))
      arithmetic_box(ui, s, *a, ImGui::GetContentRegionAvail().x);
    else
      ImGui::TextDisabled("computing\u2026 (the worker answers between batches)");
  }
  ImGui::EndChild();
}

}  // namespace

//-----------------------------------------------------------------------------
// [SECTION] panel entry and screenshot tokens
//-----------------------------------------------------------------------------
void draw_train_glance_panel(TrainingUi& ui) {
  const Snapshot& s = shown_snapshot(ui);  // a replayed epoch: its recorded maps and output
  panel_header(ui, "The network at a glance", "glance");
  if (s.activations.empty()) {
    ImGui::TextDisabled("The network appears once a model is built.");
    return;
  }
  if (!ui.glance.layer.empty()) {
    int gl = 0;
    for (int i = 0; i < int(s.activations.size()); ++i) {
      bool maps = s.activations[size_t(i)].shape.size() == 3;
      if (s.activations[size_t(i)].name == ui.glance.layer)
        return draw_enlarged(ui, s, i, maps ? gl : -1);
      gl += maps ? 1 : 0;
    }
    ui.glance.layer.clear();  // a layer of another model
  }
  draw_strip(ui, s);
}

bool glance_token(TrainingUi& ui, const std::string& token) {
  if (token.rfind("glance=", 0) == 0) {
    std::string v = token.substr(7);
    size_t colon = v.rfind(':');
    ui.glance.layer = v.substr(0, colon);
    ui.glance.channel = colon == std::string::npos ? 0 : std::atoi(v.c_str() + colon + 1);
    return true;
  }
  if (token.rfind("pixel=", 0) == 0) {
    if (std::sscanf(token.c_str() + 6, "%d:%d", &ui.glance.pin_y, &ui.glance.pin_x) != 2)
      throw UserError("", "'" + token + "' is not a pixel", "write pixel=Y:X, e.g. pixel=0:10");
    return true;
  }
  return false;
}

void glance_wait_inspect(TrainingUi& ui, double timeout_s) {
  GlanceState& g = ui.glance;
  if (!ui.worker || g.layer.empty()) return;
  Command c{Command::Inspect};
  c.layer = g.layer, c.index = g.channel;
  c.y = std::max(g.pin_y, 0), c.x = std::max(g.pin_x, 0);
  if (g.pin_y < 0) g.pin_y = 0, g.pin_x = 0;
  ui.worker->send(c);
  ui.snap = ui.worker->wait_until(
      [&](const Snapshot& s) { return same_output(s.inspect.get(), c.layer, c.y, c.x, c.index); },
      timeout_s);
  if (!same_output(ui.snap->inspect.get(), c.layer, c.y, c.x, c.index))
    throw UserError("",
                    "no arithmetic for " + c.layer + " (" + std::to_string(c.y) + ", " +
                        std::to_string(c.x) + ", " + std::to_string(c.index) + ")",
                    "check the layer name and that the pixel is inside its maps");
}

}  // namespace cnnlab
