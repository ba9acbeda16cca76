// shaders/featuremap.frag — colour-maps a float atlas of tiles (feature maps, kernels): viridis for
// activations, blue–white–orange around zero for signed weights; each tile with its own range.
#version 330 core
in vec2 v_uv;
out vec4 frag_color;

uniform sampler2D u_values;   // GL_R32F atlas, row 0 = top row
uniform ivec2 u_tile;         // tile size in texels
uniform int u_cols;           // tiles per atlas row
uniform int u_num_ranges;     // 1: one range for every tile
uniform vec2 u_ranges[256];   // (lo, hi) per tile
uniform int u_kind;           // 0 viridis, 1 diverging
uniform vec3 u_gap;           // colour of gap texels (value < -1e29)

// Viridis, polynomial fit (Matt Zucker, public domain): within ~1/255 of matplotlib's table.
vec3 viridis(float t) {
  const vec3 c0 = vec3(0.2777273272234177, 0.005407344544966578, 0.3340998053353061);
  const vec3 c1 = vec3(0.1050930431085774, 1.404613529898575, 1.384590162594685);
  const vec3 c2 = vec3(-0.3308618287255563, 0.214847559468213, 0.09509516302823659);
  const vec3 c3 = vec3(-4.634230498983486, -5.799100973351585, -19.33244095627987);
  const vec3 c4 = vec3(6.228269936347081, 14.17993336680509, 56.69055260068105);
  const vec3 c5 = vec3(4.776384997670288, -13.74514537774601, -65.35303263337234);
  const vec3 c6 = vec3(-5.435455855934631, 4.645852612178535, 26.3124352495832);
  return c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6)))));
}

// Blue (negative) – white (0) – orange (positive): readable with every common colour deficiency.
vec3 diverging(float t) {
  const vec3 blue = vec3(0.05, 0.23, 0.50);
  const vec3 orange = vec3(0.80, 0.42, 0.00);
  return t < 0.0 ? mix(vec3(1.0), blue, -t) : mix(vec3(1.0), orange, t);
}

void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  float v = texelFetch(u_values, p, 0).r;
  if (v < -1e29) {
    frag_color = vec4(u_gap, 1.0);
    return;
  }
  int tile = 0;
  if (u_num_ranges > 1) tile = min((p.y / u_tile.y) * u_cols + p.x / u_tile.x, u_num_ranges - 1);
  vec2 r = u_ranges[tile];
  vec3 c;
  if (u_kind == 0) {
    float t = r.y > r.x ? (v - r.x) / (r.y - r.x) : 0.0;
    c = viridis(clamp(t, 0.0, 1.0));
  } else {
    float m = max(abs(r.x), abs(r.y));
    c = diverging(m > 0.0 ? clamp(v / m, -1.0, 1.0) : 0.0);
  }
  frag_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
