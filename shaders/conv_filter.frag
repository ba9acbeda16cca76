// shaders/conv_filter.frag — the lesson's K×K kernel applied to a photo (cross-correlation, as in CNNs).
#version 330 core
in vec2 v_uv;
out vec4 frag_color;

uniform sampler2D u_image;
uniform float u_kernel[49];  // (K, K) row-major, K <= 7
uniform int u_k;             // kernel side, odd
uniform float u_gain;        // multiplies the sum (e.g. 1/9 for a 0/1 box kernel)
uniform int u_absolute;      // 1: show |sum| (edge detectors), 0: clamp(sum)

void main() {
  ivec2 size = textureSize(u_image, 0);
  // The target has the image's size; texel row y of the output is filtered texel row y of the
  // input, so both textures keep the image's top row at row 0 and display the same way up.
  ivec2 centre = ivec2(gl_FragCoord.xy);
  int r = u_k / 2;
  vec3 sum = vec3(0.0);
  for (int i = 0; i < u_k; ++i) {
    for (int j = 0; j < u_k; ++j) {
      ivec2 p = clamp(centre + ivec2(j - r, i - r), ivec2(0), size - 1);
      sum += u_kernel[i * u_k + j] * texelFetch(u_image, p, 0).rgb;
    }
  }
  sum *= u_gain;
  if (u_absolute == 1) sum = abs(sum);
  frag_color = vec4(clamp(sum, 0.0, 1.0), 1.0);
}
