// ui/fonts.h — DejaVu TTFs rasterised at the chosen scale (crisp at any size), with the maths
// glyphs.
#pragma once
#include <imgui.h>

#include <string>
#include <vector>

namespace cnnlab {

struct Fonts {
  ImFont* body = nullptr;     // DejaVu Sans, 18 px × scale: menus, text, buttons
  ImFont* heading = nullptr;  // DejaVu Sans Bold, 24 px × scale: titles
  ImFont* mono = nullptr;     // DejaVu Sans Mono, 30 px × scale: grid values, the arithmetic tape
  ImFont* small = nullptr;    // DejaVu Sans Mono, 18 px × scale: kernel overlay in window cells
  ImFont* tape = nullptr;     // DejaVu Sans Mono, 40 px × scale: the arithmetic tape
  ImFont* digits = nullptr;  // DejaVu Sans Mono, 80 px × scale, digits, signs and ×: cells, weights
  float scale = 0;           // the scale the atlas was built at
  bool from_ttf = false;     // false: the TTFs were missing and ImGui's bitmap font stands in
  std::vector<ImWchar> ranges;  // glyph ranges; must outlive the atlas
  std::vector<ImWchar> digit_ranges;
};

// Where the TTFs are read from: $CNNLAB_FONT_DIR, else Debian's fonts-dejavu-core folder.
std::string font_dir();

// Clears `atlas` and adds the six fonts above at `scale`. Missing TTFs fall back to ImGui's default
// font (logged). The caller re-uploads the atlas texture (ImGui_ImplOpenGL3_CreateFontsTexture).
void build_fonts(Fonts& fonts, ImFontAtlas& atlas, float scale);

}  // namespace cnnlab
