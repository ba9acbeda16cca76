// ui/fonts.cpp — building the font atlas from DejaVu at the chosen pixel size.
#include "ui/fonts.h"

#include <cstdlib>
#include <filesystem>

#include "core/log.h"

namespace cnnlab {

std::string font_dir() {
  if (const char* env = std::getenv("CNNLAB_FONT_DIR"); env && *env) return env;
  return CNNLAB_FONT_DIR;
}

namespace {

// Latin, punctuation (… – —), sub/superscripts (₁ ₂), arrows (← → ⇤ ⇥), maths (× − ⊛ ≤),
// technical (⌊ ⌋), shapes (▶ ◀ ▲ ▼ ●), dingbats (✓ ✗ ❚).
void fill_ranges(std::vector<ImWchar>& r) {
  r = {0x0020, 0x024F, 0x2000, 0x206F, 0x2070, 0x209F, 0x2190, 0x21FF, 0x2200, 0x22FF,
       0x2300, 0x23FF, 0x25A0, 0x25FF, 0x2700, 0x27BF, 0};
}

ImFont* add_font(ImFontAtlas& atlas, const std::string& file, float size_px,
                 const ImWchar* ranges, bool& ok) {
  std::string path = font_dir() + "/" + file;
  if (!std::filesystem::exists(path)) {
    ok = false;
    return nullptr;
  }
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 1;
  config.PixelSnapH = true;
  return atlas.AddFontFromFileTTF(path.c_str(), size_px, &config, ranges);
}

// DejaVu Sans lacks ⌊ ⌋ (U+230A/B); they are merged in from DejaVu Sans Mono. The atlas keeps a
// pointer to the range array until it is rebuilt, so it lives at namespace scope.
const ImWchar kFloorRange[] = {0x2300, 0x23FF, 0};

void merge_floor_glyphs(ImFontAtlas& atlas, float size_px) {
  std::string path = font_dir() + "/DejaVuSansMono.ttf";
  if (!std::filesystem::exists(path)) return;
  ImFontConfig config;
  config.MergeMode = true;
  config.PixelSnapH = true;
  atlas.AddFontFromFileTTF(path.c_str(), size_px, &config, kFloorRange);
}

}  // namespace

void build_fonts(Fonts& fonts, ImFontAtlas& atlas, float scale) {
  atlas.Clear();
  fill_ranges(fonts.ranges);
  const ImWchar* ranges = fonts.ranges.data();
  bool ok = true;
  fonts.body = add_font(atlas, "DejaVuSans.ttf", 18.0f * scale, ranges, ok);
  if (fonts.body) merge_floor_glyphs(atlas, 18.0f * scale);
  fonts.heading = add_font(atlas, "DejaVuSans-Bold.ttf", 24.0f * scale, ranges, ok);
  if (fonts.heading) merge_floor_glyphs(atlas, 24.0f * scale);
  fonts.mono = add_font(atlas, "DejaVuSansMono.ttf", 30.0f * scale, ranges, ok);
  fonts.small = add_font(atlas, "DejaVuSansMono.ttf", 15.0f * scale, ranges, ok);
  fonts.from_ttf = ok;
  if (!ok) {
    atlas.Clear();
    ImFontConfig config;
    config.SizePixels = 13.0f * scale;
    ImFont* fallback = atlas.AddFontDefault(&config);
    fonts.body = fonts.heading = fonts.mono = fonts.small = fallback;
    log_warn("fonts: DejaVu TTFs not found in " + font_dir() +
             " (hint: install fonts-dejavu-core or set CNNLAB_FONT_DIR); using ImGui's bitmap font");
  }
  atlas.Build();
  fonts.scale = scale;
}

}  // namespace cnnlab
