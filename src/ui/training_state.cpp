// ui/training_state.cpp — the Training workspace's state: form defaults and checks, commands, atlases
// for the GPU (pure functions), uploads on version change, lesson texts, panel export.
//
// [SECTION] presets and the form
// [SECTION] commands
// [SECTION] atlases (pure)
// [SECTION] GL uploads
// [SECTION] lessons, panel rectangles, export
#include "ui/training_state.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "core/error.h"
#include "core/fileio.h"
#include "core/log.h"
#include "ui/image_io.h"
#include "ui/training_view.h"

namespace cnnlab {

namespace fs = std::filesystem;

// [SECTION] presets and the form ------------------------------------------------------------------

std::vector<PresetChoice> default_preset_choices(int num_classes) {
  std::vector<PresetChoice> out;
  for (const auto& [name, size] : preset_table()) {
    PresetChoice c{name, size, build_preset(name, size, num_classes).num_params(), ""};
    std::string n = std::to_string(c.params), grouped;
    for (size_t i = 0; i < n.size(); ++i) {
      if (i > 0 && (n.size() - i) % 3 == 0) grouped += ',';
      grouped += n[i];
    }
    c.label = std::string(name) + " model, " + std::to_string(size) + "×" + std::to_string(size) +
              " (" + grouped + " parameters)";
    out.push_back(std::move(c));
  }
  return out;
}

std::string check_data_folder(const std::string& dir) {
  std::error_code ec;
  if (dir.empty()) return "type the path of a folder with one subfolder per class";
  if (!fs::exists(dir, ec)) return "no such folder";
  if (!fs::is_directory(dir, ec)) return "this is a file, not a folder";
  int classes = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory() || it->path().filename().string().front() == '.') continue;
    bool has_file = false;
    for (fs::directory_iterator f(it->path(), ec), e2; !ec && f != e2; f.increment(ec)) {
      if (f->is_regular_file()) { has_file = true; break; }
    }
    classes += has_file;
  }
  if (classes < 2) return "needs at least two class subfolders with images (DIR/<class>/<image>)";
  return {};
}

void TrainingUiDeleter::operator()(TrainingUi* ui) const { delete ui; }

std::unique_ptr<TrainingUi> make_training_ui(const std::string& lesson_dir, const std::string& recent_file) {
  auto ui = std::make_unique<TrainingUi>();
  ui->worker = std::make_unique<TrainingWorker>(5);  // frames before training: the window stays smooth
  ui->recent_file = recent_file;
  if (!recent_file.empty() && fs::exists(recent_file)) {
    std::ifstream in(recent_file);
    for (std::string line; std::getline(in, line) && ui->form.recent.size() < 8;)
      if (!line.empty()) ui->form.recent.push_back(line);
  }
  ui->form.data_dir = default_data_dir(CNNLAB_DEFAULT_PHOTO_DIR);
  if (ui->form.data_dir.empty() && !ui->form.recent.empty()) ui->form.data_dir = ui->form.recent.front();
  ui->form.folder_note = check_data_folder(ui->form.data_dir);
  ui->form.folder_ok = ui->form.folder_note.empty();
  ui->lessons = load_training_lessons(lesson_dir + "/training");
  return ui;
}

void refresh_snapshot(TrainingUi& ui) {
  if (ui.worker) ui.snap = ui.worker->latest();
}

// [SECTION] commands ------------------------------------------------------------------------------

RunSettings form_settings(const TrainingUi& ui) {
  RunSettings s;
  const PresetChoice& p = ui.presets[size_t(std::clamp(ui.form.choice, 0, int(ui.presets.size()) - 1))];
  s.data_dir = ui.form.data_dir;
  s.preset = p.preset;
  s.image_size = p.image_size;
  s.epochs = ui.form.epochs;
  s.batch_size = ui.form.batch_size;
  s.learning_rate = ui.form.learning_rate;
  s.seed = uint64_t(std::max(0, ui.form.seed));
  s.threads = ui.form.threads;
  return s;
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

SnapshotPtr load_blocking(TrainingUi& ui, const RunSettings& s, double timeout_s) {
  CNNLAB_ASSERT(ui.worker, "load_blocking needs a worker");
  uint64_t v = ui.worker->latest()->version;
  ui.form.data_dir = s.data_dir;
  ui.worker->send({Command::Load, s});
  SnapshotPtr snap = ui.worker->wait_until([&](const Snapshot& x) {
    return x.version > v && (x.state == RunState::Ready || x.state == RunState::Error || !x.error.empty());
  }, timeout_s);
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
    snap = ui.worker->wait_until([&](const Snapshot& x) {
      return (x.batch_losses.size() >= want && x.state != RunState::Training) || x.state == RunState::Error;
    }, timeout_s);
    if (snap->state == RunState::Error || !snap->error.empty()) throw UserError("", "training failed: " + snap->error);
    if (snap->batch_losses.size() < want) throw UserError("", "a batch took longer than the timeout");
  }
  ui.snap = snap;
  return snap;
}

// [SECTION] atlases (pure) ------------------------------------------------------------------------

int feature_grid_cols(int channels) { return channels <= 4 ? 2 : channels <= 16 ? 4 : 8; }

std::vector<float> feature_atlas(const TensorCopy& t, int cols) {
  CNNLAB_ASSERT(t.shape.size() == 3, "feature_atlas: (H, W, C)");
  const int h = t.shape[0], w = t.shape[1], c = t.shape[2];
  const int rows = (c + cols - 1) / cols;
  const size_t aw = size_t(cols) * size_t(w);
  std::vector<float> out(size_t(rows) * h * aw, kGapValue);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float* px = &t.values[(size_t(y) * w + x) * c];
      for (int ch = 0; ch < c; ++ch)
        out[(size_t(ch / cols) * h + y) * aw + size_t(ch % cols) * w + x] = px[ch];
    }
  return out;
}

std::vector<std::pair<float, float>> feature_ranges(const TensorCopy& t, bool per_layer) {
  CNNLAB_ASSERT(t.shape.size() == 3, "feature_ranges: (H, W, C)");
  const int c = t.shape[2];
  std::vector<std::pair<float, float>> r(size_t(c), {INFINITY, -INFINITY});
  for (size_t i = 0; i < t.values.size(); ++i) {
    auto& [lo, hi] = r[i % size_t(c)];
    lo = std::min(lo, t.values[i]);
    hi = std::max(hi, t.values[i]);
  }
  if (per_layer) {
    std::pair<float, float> all{INFINITY, -INFINITY};
    for (auto& [lo, hi] : r) all = {std::min(all.first, lo), std::max(all.second, hi)};
    return {all};
  }
  return r;
}

std::vector<float> kernel_grid_atlas(const TensorCopy& k, const TensorCopy* init) {
  CNNLAB_ASSERT(k.shape.size() == 4, "kernel_grid_atlas: (KH, KW, Cin, Cout)");
  const int kh = k.shape[0], kw = k.shape[1], cin = k.shape[2], cout = k.shape[3];
  const size_t aw = size_t(kw + 1) * cout;
  std::vector<float> out(size_t(kh + 1) * cin * aw, kGapValue);
  for (int i = 0; i < kh; ++i)
    for (int j = 0; j < kw; ++j)
      for (int ci = 0; ci < cin; ++ci)
        for (int co = 0; co < cout; ++co) {
          size_t src = ((size_t(i) * kw + j) * cin + ci) * cout + co;
          float v = k.values[src] - (init ? init->values[src] : 0.0f);
          out[(size_t(ci) * (kh + 1) + i) * aw + size_t(co) * (kw + 1) + j] = v;
        }
  return out;
}

float kernel_abs_max(const TensorCopy& k, const TensorCopy* init) {
  float m = 0;
  for (size_t i = 0; i < k.values.size(); ++i) m = std::max(m, std::fabs(k.values[i] - (init ? init->values[i] : 0.0f)));
  return m;
}

RgbaImage rgb_kernel_tiles(const TensorCopy& k, const TensorCopy* init) {
  CNNLAB_ASSERT(k.shape.size() == 4 && k.shape[2] == 3, "rgb_kernel_tiles: (KH, KW, 3, Cout)");
  const int kh = k.shape[0], kw = k.shape[1], cout = k.shape[3];
  RgbaImage img(cout * (kw + 1), kh);
  for (int co = 0; co < cout; ++co) {
    float m = 0;
    auto val = [&](int i, int j, int ch) {
      size_t src = ((size_t(i) * kw + j) * 3 + ch) * cout + co;
      return k.values[src] - (init ? init->values[src] : 0.0f);
    };
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j)
        for (int ch = 0; ch < 3; ++ch) m = std::max(m, std::fabs(val(i, j, ch)));
    for (int i = 0; i < kh; ++i)
      for (int j = 0; j < kw; ++j) {
        uint8_t* p = img.pixel(co * (kw + 1) + j, i);
        for (int ch = 0; ch < 3; ++ch) {
          float t = m > 0 ? 0.5f + 0.5f * val(i, j, ch) / m : 0.5f;
          p[ch] = uint8_t(std::lround(std::clamp(t, 0.0f, 1.0f) * 255.0f));
        }
        p[3] = 255;
      }
    for (int i = 0; i < kh; ++i) {  // the gap column: transparent
      uint8_t* p = img.pixel(co * (kw + 1) + kw, i);
      p[0] = p[1] = p[2] = p[3] = 0;
    }
  }
  return img;
}

float activation_at(const TensorCopy& t, int y, int x, int c) {
  CNNLAB_ASSERT(t.shape.size() == 3 && y >= 0 && y < t.shape[0] && x >= 0 && x < t.shape[1] && c >= 0 && c < t.shape[2],
                "activation_at: out of range");
  return t.values[(size_t(y) * t.shape[1] + x) * t.shape[2] + c];
}

RgbaImage thumbnail_atlas(const Dataset& data, const std::vector<int>& indices, int side, int cols) {
  CNNLAB_ASSERT(side > 0 && cols > 0, "thumbnail_atlas: side, cols");
  int rows = std::max(1, int((indices.size() + size_t(cols) - 1) / size_t(cols)));
  RgbaImage img(cols * side, rows * side);
  for (size_t n = 0; n < indices.size(); ++n) {
    const uint8_t* src = data.image(size_t(indices[n]));
    int ox = int(n % size_t(cols)) * side, oy = int(n / size_t(cols)) * side;
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        // Box average over the source pixels this thumbnail pixel covers.
        int y0 = y * data.height / side, y1 = std::max(y0 + 1, (y + 1) * data.height / side);
        int x0 = x * data.width / side, x1 = std::max(x0 + 1, (x + 1) * data.width / side);
        int sum[3] = {0, 0, 0}, count = 0;
        for (int sy = y0; sy < y1; ++sy)
          for (int sx = x0; sx < x1; ++sx, ++count)
            for (int ch = 0; ch < 3; ++ch) sum[ch] += src[(size_t(sy) * data.width + sx) * 3 + ch];
        uint8_t* p = img.pixel(ox + x, oy + y);
        for (int ch = 0; ch < 3; ++ch) p[ch] = uint8_t(sum[ch] / std::max(count, 1));
        p[3] = 255;
      }
  }
  return img;
}

// [SECTION] GL uploads ----------------------------------------------------------------------------

void init_training_gl(TrainingUi& ui) {
  ui.gl.enabled = true;
  try {
    ui.gl.colormap.init();
  } catch (const UserError& e) {
    log_error(e.what());
  }
}

namespace {

void upload_maps(TrainingUi& ui, const Snapshot& s) {
  TrainingGl& gl = ui.gl;
  size_t n = 0;
  for (const TensorCopy& t : s.activations) {
    if (t.shape.size() != 3) continue;  // dense outputs are drawn as bars
    if (gl.maps.size() <= n) gl.maps.push_back(std::make_unique<LayerMapsGl>());
    LayerMapsGl& m = *gl.maps[n++];
    m.name = t.name;
    m.h = t.shape[0], m.w = t.shape[1], m.c = t.shape[2];
    m.cols = feature_grid_cols(m.c);
    m.rows = (m.c + m.cols - 1) / m.cols;
    std::vector<float> atlas = feature_atlas(t, m.cols);
    m.values.upload(atlas.data(), m.cols * m.w, m.rows * m.h);
    ColormapParams p;
    p.kind = ColormapKind::Viridis;
    p.tile_w = m.w, p.tile_h = m.h, p.cols = m.cols;
    p.ranges = feature_ranges(t, ui.maps_per_layer);
    gl.colormap.render(m.values, p, m.rgba, false);
  }
  gl.maps.resize(n);
  ++gl.map_uploads;
}

void upload_kernels(TrainingUi& ui, const Snapshot& s) {
  TrainingGl& gl = ui.gl;
  bool delta = ui.kernels_delta && s.conv_kernels_init.size() == s.conv_kernels.size();
  if (!s.conv_kernels.empty() && s.conv_kernels[0].shape.size() == 4 && s.conv_kernels[0].shape[2] == 3)
    gl.rgb_kernels.upload(rgb_kernel_tiles(s.conv_kernels[0], delta ? &s.conv_kernels_init[0] : nullptr));
  if (gl.rgb_kernels.valid()) {  // magnified pixels must stay sharp
    glBindTexture(GL_TEXTURE_2D, gl.rgb_kernels.id());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  }
  if (s.conv_kernels.size() >= 2) {
    const TensorCopy& k = s.conv_kernels[1];
    const TensorCopy* init = delta ? &s.conv_kernels_init[1] : nullptr;
    std::vector<float> atlas = kernel_grid_atlas(k, init);
    gl.kernel_values.upload(atlas.data(), (k.shape[1] + 1) * k.shape[3], (k.shape[0] + 1) * k.shape[2]);
    ColormapParams p;
    p.kind = ColormapKind::Diverging;
    float m = kernel_abs_max(k, init);
    p.ranges = {{-m, m}};
    gl.colormap.render(gl.kernel_values, p, gl.kernel_rgba, true);
  }
  ++gl.kernel_uploads;
}

}  // namespace

void update_training_gl(TrainingUi& ui) {
  TrainingGl& gl = ui.gl;
  if (!gl.enabled || !gl.colormap.ready()) return;
  const Snapshot& s = *ui.snap;
  if (s.activations_version != gl.activations_version || ui.maps_per_layer != gl.maps_per_layer) {
    upload_maps(ui, s);
    gl.activations_version = s.activations_version;
    gl.maps_per_layer = ui.maps_per_layer;
  }
  if (s.weights_version != gl.weights_version || ui.kernels_delta != gl.kernels_delta) {
    upload_kernels(ui, s);
    gl.weights_version = s.weights_version;
    gl.kernels_delta = ui.kernels_delta;
  }
  if (s.data && s.data.get() != gl.thumbs_for && s.data->size() > 0) {
    gl.thumb_side = std::min(48, s.data->height);  // every image (any split can be shown)
    gl.thumb_cols = 25;
    std::vector<int> all(s.data->size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = int(i);
    gl.thumbs.upload(thumbnail_atlas(*s.data, all, gl.thumb_side, gl.thumb_cols));
    gl.thumbs_for = s.data.get();
    gl.probe_for = -1;
  }
  if (s.data && s.probe_index >= 0 && s.probe_index != gl.probe_for) {
    RgbaImage img(s.data->width, s.data->height);
    const uint8_t* src = s.data->image(size_t(s.probe_index));
    for (size_t i = 0; i < size_t(img.width) * img.height; ++i) {
      for (int ch = 0; ch < 3; ++ch) img.rgba[i * 4 + ch] = src[i * 3 + ch];
      img.rgba[i * 4 + 3] = 255;
    }
    gl.probe.upload(img);
    gl.probe_for = s.probe_index;
  }
}

// [SECTION] lessons, panel rectangles, export -------------------------------------------------------

std::vector<LessonText> load_training_lessons(const std::string& dir) {
  std::vector<LessonText> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".md") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    try {
      std::string text = read_file_text(f.string());
      LessonText l;
      l.id = f.stem().string();
      size_t nl = text.find('\n');
      std::string first = text.substr(0, nl);
      if (first.rfind("# ", 0) != 0) {
        log_warn(UserError(f.string(), "a training lesson starts with '# Title'", "add a title line", 1).what());
        continue;
      }
      l.title = first.substr(2);
      l.text = nl == std::string::npos ? "" : text.substr(nl + 1);
      while (!l.text.empty() && (l.text.front() == '\n')) l.text.erase(0, 1);
      out.push_back(std::move(l));
    } catch (const UserError& e) {
      log_warn(e.what());
    }
  }
  return out;
}

void record_panel_rect(TrainingUi& ui, const std::string& name) {
  ImVec2 p = ImGui::GetWindowPos(), s = ImGui::GetWindowSize();
  for (PanelRect& r : ui.rects)
    if (r.name == name) {
      r = {name, p.x, p.y, p.x + s.x, p.y + s.y};
      return;
    }
  ui.rects.push_back({name, p.x, p.y, p.x + s.x, p.y + s.y});
}

const PanelRect* find_panel_rect(const TrainingUi& ui, const std::string& name) {
  for (const PanelRect& r : ui.rects)
    if (r.name == name) return &r;
  return nullptr;
}

void finish_training_frame(TrainingUi& ui, int width, int height) {
  if (ui.export_panel.empty()) return;
  std::string name = std::exchange(ui.export_panel, {}), path = std::exchange(ui.export_path, {});
  const PanelRect* r = find_panel_rect(ui, name);
  if (!r) return;
  try {
    RgbaImage frame = read_pixels(width, height);
    int x0 = std::clamp(int(r->x0), 0, width - 1), y0 = std::clamp(int(r->y0), 0, height - 1);
    int x1 = std::clamp(int(r->x1), x0 + 1, width), y1 = std::clamp(int(r->y1), y0 + 1, height);
    RgbaImage crop(x1 - x0, y1 - y0);
    for (int y = y0; y < y1; ++y)
      std::copy_n(frame.pixel(x0, y), size_t(x1 - x0) * 4, crop.pixel(0, y - y0));
    fs::create_directories(fs::path(path).parent_path());
    write_png_rgba(path, crop);
    ui.message = "Wrote " + path;
    log_info("wrote " + path);
  } catch (const std::exception& e) {
    ui.message = std::string("Export failed: ") + e.what();
    log_error(ui.message);
  }
}

}  // namespace cnnlab
