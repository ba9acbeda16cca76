// ui/training/timelapse_export.cpp — the time-lapse composed on the CPU with the panels' colormaps
// and atlases (training_atlas.cpp), then written as PNGs (data's stb writer) and a GIF (giflib).
// [SECTION] drawing  [SECTION] composition  [SECTION] files
#include "ui/training/timelapse_export.h"

#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/check.h"
#include "core/error.h"
#include "data/image.h"
#include "ui/training/training_state.h"

namespace cnnlab {

namespace {

//-----------------------------------------------------------------------------
// [SECTION] drawing
//-----------------------------------------------------------------------------
constexpr int kWidth = 960, kMargin = 16;
const Rgb kBackground{0.96f, 0.96f, 0.96f}, kInk{0.15f, 0.15f, 0.15f};

void put(RgbaImage& img, int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  uint8_t* p = img.pixel(x, y);
  p[0] = uint8_t(std::lround(c.r * 255)), p[1] = uint8_t(std::lround(c.g * 255));
  p[2] = uint8_t(std::lround(c.b * 255)), p[3] = 255;
}

void fill(RgbaImage& img, int x0, int y0, int w, int h, Rgb c) {
  for (int y = y0; y < y0 + h; ++y)
    for (int x = x0; x < x0 + w; ++x) put(img, x, y, c);
}

// Digits and '/' in a 3×5 pixel font, each pixel `s` wide: the epoch number needs no font file.
int draw_number(RgbaImage& img, int x, int y, const std::string& text, int s) {
  static const char* glyphs[11] = {"111101101101111", "010110010010111", "111001111100111",
                                   "111001111001111", "101101111001001", "111100111001111",
                                   "111100111101111", "111001001001001", "111101111101111",
                                   "111101111001111", "001001010100100"};
  for (char ch : text) {
    const int g = ch == '/' ? 10 : ch - '0';
    if (g < 0 || g > 10) continue;
    for (int i = 0; i < 15; ++i)
      if (glyphs[g][i] == '1') fill(img, x + (i % 3) * s, y + (i / 3) * s, s, s, kInk);
    x += 4 * s;
  }
  return x;
}

// A float atlas (kGapValue = gap) through `color`, each value an `s`×`s` square at (x0, y0).
template <class F>
void blit_values(RgbaImage& img, const std::vector<float>& v, int w, int h, int x0, int y0, int s,
                 F color) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float a = v[size_t(y) * w + x];
      if (a > kGapValue) fill(img, x0 + x * s, y0 + y * s, s, s, color(a, x, y));
    }
}

int fit_scale(int texels_w, int texels_h, int max_h, int max_w = kWidth - 2 * kMargin) {
  return std::max(1, std::min(max_w / std::max(1, texels_w), max_h / std::max(1, texels_h)));
}

//-----------------------------------------------------------------------------
// [SECTION] composition
//-----------------------------------------------------------------------------
// Sections top to bottom; each returns the y below it. With `img` empty only heights are summed.
int epoch_bar(RgbaImage& img, int y, int epoch, int last_epoch) {
  const int s = 6, bar_w = kWidth - 2 * kMargin - 16 * 4 * s;
  fill(img, kMargin, y + 8, bar_w, 14, Rgb{0.82f, 0.82f, 0.82f});
  const int done = last_epoch > 0 ? bar_w * std::clamp(epoch, 0, last_epoch) / last_epoch : 0;
  fill(img, kMargin, y + 8, done, 14, okabe_ito::blue);
  draw_number(img, kMargin + bar_w + 2 * s, y,
              std::to_string(epoch) + "/" + std::to_string(last_epoch), s);
  return y + 5 * s + kMargin;
}

int rgb_kernels(RgbaImage& img, int y, const TensorCopy& k) {
  const int kh = k.shape[0], kw = k.shape[1], cout = k.shape[3];
  const int per_row = std::min(cout, 16), rows = (cout + per_row - 1) / per_row;
  const int cell = std::min(64, (kWidth - 2 * kMargin) / per_row), tile = cell - 4;
  RgbaImage tiles = rgb_kernel_tiles(k, nullptr);
  for (int co = 0; co < cout && !img.empty(); ++co)
    for (int py = 0; py < tile; ++py)
      for (int px = 0; px < tile; ++px) {
        const uint8_t* p = tiles.pixel(co * (kw + 1) + px * kw / tile, py * kh / tile);
        put(img, kMargin + (co % per_row) * cell + px, y + (co / per_row) * cell + py,
            Rgb{p[0] / 255.f, p[1] / 255.f, p[2] / 255.f});
      }
  return y + rows * cell + kMargin;
}

int kernel_grid(RgbaImage& img, int y, const TensorCopy& k) {
  const TexelSize size = kernel_grid_size(k);
  const int s = fit_scale(size.width, size.height, 300);
  if (!img.empty()) {
    const float m = std::max(kernel_abs_max(k, nullptr), 1e-12f);
    blit_values(img, kernel_grid_atlas(k, nullptr), size.width, size.height, kMargin, y, s,
                [&](float v, int, int) { return diverging_cb(v / m); });
  }
  return y + size.height * s + kMargin;
}

int feature_maps(RgbaImage& img, int y, const TensorCopy& maps) {
  const int h = maps.shape[0], w = maps.shape[1], c = maps.shape[2], gap = 2;
  const int cols = feature_grid_cols(c), rows = (c + cols - 1) / cols;
  // 60% of the width: the confusion matrix stands to its right.
  const int s = fit_scale(cols * (w + 1), rows * (h + 1), 400, kWidth * 3 / 5);
  if (!img.empty()) {
    const auto ranges = feature_ranges(maps, false);  // each map over its own range, as the panel
    for (int ch = 0; ch < c; ++ch) {
      const int x0 = kMargin + (ch % cols) * (w * s + gap), y0 = y + (ch / cols) * (h * s + gap);
      const auto [lo, hi] = ranges[size_t(ch)];
      for (int yy = 0; yy < h; ++yy)
        for (int xx = 0; xx < w; ++xx) {
          const float v = maps.values[(size_t(yy) * w + xx) * c + ch];
          fill(img, x0 + xx * s, y0 + yy * s, s, s, viridis(hi > lo ? (v - lo) / (hi - lo) : 0.f));
        }
    }
  }
  return y + rows * (h * s + gap) + kMargin;
}

// Rows = true class, columns = predicted, each row's share in the panel's blue ramp; at x0.
int confusion(RgbaImage& img, int x0, int y, const TimelapseFrame& f, int classes) {
  const int cell = std::min(64, (kWidth - kMargin - x0) / std::max(1, classes));
  const RecordTensor* conf = f.find("val/confusion");
  for (int r = 0; r < classes && !img.empty(); ++r) {
    int row_sum = 0;
    for (int c = 0; c < classes && conf; ++c) row_sum += conf->i32[size_t(r * classes + c)];
    for (int c = 0; c < classes; ++c) {
      Rgb col{0.85f, 0.85f, 0.85f};  // not evaluated yet (epoch 0)
      if (conf && row_sum > 0)
        col = sequential(float(conf->i32[size_t(r * classes + c)]) / row_sum);
      fill(img, x0 + c * cell, y + r * cell, cell - 2, cell - 2, col);
    }
  }
  return y + classes * cell + kMargin;
}

// Draws `f` into `img` (or only measures, when `img` is empty); returns the height used.
int compose(RgbaImage& img, const TimelapseFrame& f, int last_epoch) {
  int y = epoch_bar(img, kMargin, f.epoch, last_epoch);
  std::vector<TensorCopy> kernels;
  for (const RecordTensor& t : f.tensors)
    if (t.name.rfind("kernel/", 0) == 0) kernels.push_back({t.name.substr(7), t.shape, t.f32});
  if (!kernels.empty() && kernels[0].shape[2] == 3) y = rgb_kernels(img, y, kernels[0]);
  if (kernels.size() >= 2) y = kernel_grid(img, y, kernels[1]);
  const int maps_y = y;
  if (!kernels.empty())
    if (const RecordTensor* m = f.find("map/" + kernels[0].name))
      y = feature_maps(img, y, dequantise_maps(*m));
  if (const RecordTensor* p = f.find("probe/probs"))  // beside the maps
    y = std::max(y, confusion(img, kWidth * 3 / 5 + 3 * kMargin, maps_y, f, p->shape[0]));
  return y;
}

}  // namespace

RgbaImage compose_timelapse_frame(const TimelapseFrame& f, int last_epoch) {
  RgbaImage none;
  RgbaImage img(kWidth, compose(none, f, last_epoch));
  fill(img, 0, 0, img.width, img.height, kBackground);
  compose(img, f, last_epoch);
  return img;
}

//-----------------------------------------------------------------------------
// [SECTION] files
//-----------------------------------------------------------------------------
namespace {

void put_gif_frame(GifFileType* g, const RgbaImage& img, int delay_cs, const std::string& path) {
  const size_t n = size_t(img.width) * img.height;
  std::vector<GifByteType> r(n), gr(n), b(n), index(n);
  for (size_t i = 0; i < n; ++i)
    r[i] = img.rgba[i * 4], gr[i] = img.rgba[i * 4 + 1], b[i] = img.rgba[i * 4 + 2];
  int colors = 256;
  GifColorType palette[256] = {};
  if (GifQuantizeBuffer(unsigned(img.width), unsigned(img.height), &colors, r.data(), gr.data(),
                        b.data(), index.data(), palette) == GIF_ERROR)
    throw UserError(path, "cannot reduce a frame to 256 colours");
  GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, delay_cs, NO_TRANSPARENT_COLOR};
  GifByteType ext[4];
  const size_t len = EGifGCBToExtension(&gcb, ext);
  ColorMapObject* map = GifMakeMapObject(256, palette);
  bool ok = map && EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, int(len), ext) == GIF_OK &&
            EGifPutImageDesc(g, 0, 0, img.width, img.height, false, map) == GIF_OK;
  for (int y = 0; ok && y < img.height; ++y)
    ok = EGifPutLine(g, &index[size_t(y) * img.width], img.width) == GIF_OK;
  GifFreeMapObject(map);
  if (!ok) throw UserError(path, std::string("cannot write the GIF: ") + GifErrorString(g->Error));
}

}  // namespace

void write_timelapse_gif(const std::string& path, const std::vector<RgbaImage>& frames,
                         int delay_cs, int last_delay_cs) {
  CNNLAB_ASSERT(!frames.empty(), "write_timelapse_gif: no frames");
  const std::string tmp = path + ".part";  // renamed when complete: no half-written GIF
  int err = 0;
  // Our own descriptor: giflib's EGifOpenFileName would create the file readable by its owner only.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  GifFileType* g = fd >= 0 ? EGifOpenFileHandle(fd, &err) : nullptr;
  if (fd >= 0 && !g) ::close(fd);
  if (fd < 0) err = E_GIF_ERR_OPEN_FAILED;
  if (!g)
    throw UserError(path, std::string("cannot create: ") + GifErrorString(err),
                    "check the folder exists and is writable");
  EGifSetGifVersion(g, true);
  bool ok = EGifPutScreenDesc(g, frames[0].width, frames[0].height, 8, 0, nullptr) == GIF_OK;
  // NETSCAPE2.0: loop for ever.
  const GifByteType loop[3] = {1, 0, 0};
  ok = ok && EGifPutExtensionLeader(g, APPLICATION_EXT_FUNC_CODE) == GIF_OK &&
       EGifPutExtensionBlock(g, 11, "NETSCAPE2.0") == GIF_OK &&
       EGifPutExtensionBlock(g, 3, loop) == GIF_OK && EGifPutExtensionTrailer(g) == GIF_OK;
  try {
    if (!ok)
      throw UserError(path, std::string("cannot write the GIF: ") + GifErrorString(g->Error));
    for (size_t i = 0; i < frames.size(); ++i) {
      CNNLAB_ASSERT(frames[i].width == frames[0].width && frames[i].height == frames[0].height,
                    "GIF frames share one size");
      put_gif_frame(g, frames[i], i + 1 == frames.size() ? last_delay_cs : delay_cs, path);
    }
  } catch (...) {
    EGifCloseFile(g, &err);
    std::filesystem::remove(tmp);
    throw;
  }
  if (EGifCloseFile(g, &err) != GIF_OK)
    throw UserError(path, std::string("cannot finish the GIF: ") + GifErrorString(err));
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw UserError(path, "cannot move the finished GIF into place: " + ec.message());
}

TimelapseExport export_timelapse(const Timelapse& t, const std::string& dir,
                                 const std::string& gif) {
  if (t.frames.empty())
    throw UserError(dir, "the time-lapse has no frames", "train an epoch first");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw UserError(dir, "cannot create the folder: " + ec.message());
  TimelapseExport out;
  std::vector<RgbaImage> frames;
  for (const auto& f : t.frames)
    frames.push_back(compose_timelapse_frame(*f, t.frames.back()->epoch));
  // Every frame one size (a frame without maps, say, is shorter): pad to the tallest.
  out.width = frames[0].width;
  for (const RgbaImage& f : frames) out.height = std::max(out.height, f.height);
  for (size_t k = 0; k < frames.size(); ++k) {
    RgbaImage& img = frames[k];
    if (img.height < out.height) {
      RgbaImage padded(img.width, out.height);
      fill(padded, 0, 0, img.width, out.height, kBackground);
      std::copy(img.rgba.begin(), img.rgba.end(), padded.rgba.begin());
      img = std::move(padded);
    }
    Image rgb{img.width, img.height, 3, std::vector<uint8_t>(size_t(img.width) * img.height * 3)};
    for (size_t i = 0; i < size_t(img.width) * img.height; ++i)
      for (int c = 0; c < 3; ++c) rgb.pixels[i * 3 + c] = img.rgba[i * 4 + c];
    char name[32];
    std::snprintf(name, sizeof name, "epoch_%03d.png", t.frames[k]->epoch);
    out.pngs.push_back((std::filesystem::path(dir) / name).string());
    write_png(out.pngs.back(), rgb);
  }
  if (!gif.empty()) {
    write_timelapse_gif(gif, frames);
    out.gif = gif;
  }
  return out;
}

}  // namespace cnnlab
