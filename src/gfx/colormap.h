// gfx/colormap.h — colour-blind-safe colours: the Okabe–Ito palette and a blue–white–orange ramp.
#pragma once
#include <cstdint>

namespace cnnlab {

struct Rgb {
  float r = 0, g = 0, b = 0;
};

// Okabe & Ito (2008), distinguishable under the common colour-vision deficiencies.
namespace okabe_ito {
inline constexpr Rgb black{0.00f, 0.00f, 0.00f};
inline constexpr Rgb orange{0.90f, 0.62f, 0.00f};
inline constexpr Rgb sky_blue{0.34f, 0.71f, 0.91f};
inline constexpr Rgb bluish_green{0.00f, 0.62f, 0.45f};
inline constexpr Rgb yellow{0.94f, 0.89f, 0.26f};
inline constexpr Rgb blue{0.00f, 0.45f, 0.70f};
inline constexpr Rgb vermillion{0.84f, 0.37f, 0.00f};
inline constexpr Rgb reddish_purple{0.80f, 0.47f, 0.65f};
}  // namespace okabe_ito

// Diverging ramp for signed values: t = −1 → blue, 0 → white, +1 → orange (never red vs green).
// t is clamped to [−1, 1].
Rgb diverging(float t);

// Sequential ramp for non-negative values: t = 0 → white, 1 → dark blue. Clamped to [0, 1].
Rgb sequential(float t);

// Relative luminance (sRGB approximation): choose black or white text on a cell of this colour.
float luminance(Rgb c);

// Packs to ImGui's IM_COL32 layout (A << 24 | B << 16 | G << 8 | R) without including ImGui.
uint32_t pack_rgba(Rgb c, float alpha = 1.0f);

}  // namespace cnnlab
