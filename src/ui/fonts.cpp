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

// Latin-1 plus exactly the symbols the lab prints: maths (× − ⊛ ⌊ ⌋ Σ ≤ ≥ ≠), arrows and
// transport shapes for the buttons, ✓ ✗ for predict feedback, subscripts for P₁ + P₂. A short
// list keeps the atlas small even at scale 4.
const char* const kSymbols = "×−⊛⌊⌋⌈⌉Σ≤≥≠≈·…–—‘’“”←→↑↓⇤⇥▶◀▲▼●○■□✓✗❚₀₁₂₃₄₅₆₇₈₉⁰η";

void fill_ranges(std::vector<ImWchar>& out, const char* text, bool latin) {
  ImFontGlyphRangesBuilder builder;
  if (latin) builder.AddRanges(ImGui::GetIO().Fonts->GetGlyphRangesDefault());  // U+0020–U+00FF
  builder.AddText(text);
  ImVector<ImWchar> ranges;
  builder.BuildRanges(&ranges);
  out.assign(ranges.begin(), ranges.end());
}

ImFont* add_font(ImFontAtlas& atlas, const std::string& file, float size_px, const ImWchar* ranges,
                 bool& ok) {
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
const ImWchar kFloorRange[] = {0x2308, 0x230B, 0};

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
  fill_ranges(fonts.ranges, kSymbols, true);
  fill_ranges(fonts.digit_ranges, " 0123456789.-+?−×", false);  // × for kernel weights
  const ImWchar* ranges = fonts.ranges.data();
  bool ok = true;
  fonts.body = add_font(atlas, "DejaVuSans.ttf", 18.0f * scale, ranges, ok);
  if (fonts.body) merge_floor_glyphs(atlas, 18.0f * scale);
  fonts.heading = add_font(atlas, "DejaVuSans-Bold.ttf", 24.0f * scale, ranges, ok);
  if (fonts.heading) merge_floor_glyphs(atlas, 24.0f * scale);
  fonts.mono = add_font(atlas, "DejaVuSansMono.ttf", 30.0f * scale, ranges, ok);
  fonts.small = add_font(atlas, "DejaVuSansMono.ttf", 18.0f * scale, ranges, ok);
  fonts.tape = add_font(atlas, "DejaVuSansMono.ttf", 40.0f * scale, ranges, ok);
  fonts.digits =
      add_font(atlas, "DejaVuSansMono.ttf", 80.0f * scale, fonts.digit_ranges.data(), ok);
  fonts.from_ttf = ok;
  if (!ok) {
    atlas.Clear();
    ImFontConfig config;
    config.SizePixels = 13.0f * scale;
    ImFont* fallback = atlas.AddFontDefault(&config);
    fonts.body = fonts.heading = fonts.mono = fonts.small = fonts.tape = fonts.digits = fallback;
    log_warn(
        "fonts: DejaVu TTFs not found in " + font_dir() +
        " (hint: install fonts-dejavu-core or set CNNLAB_FONT_DIR); using ImGui's bitmap font");
  }
  atlas.Build();
  fonts.scale = scale;
}

}  // namespace cnnlab
