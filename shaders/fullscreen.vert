// shaders/fullscreen.vert — one triangle covering the viewport; uv in [0,1]², v = 0 at the top row.
#version 330 core
out vec2 v_uv;
void main() {
  // Vertices (-1,-1), (3,-1), (-1,3): a single triangle that covers the whole clip square.
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = vec2(p.x, 1.0 - p.y);
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
