// nn/explain.h — where a model looks: Grad-CAM and plain gradient saliency for one image and one
// class, and the heat map blended over the photo (a CPU colormap: no GL here).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/model.h"

namespace cnnlab {

enum class ExplainMethod { GradCam, Saliency };
const char* explain_method_name(ExplainMethod m);  // "gradcam" / "saliency"
// "gradcam" / "saliency" → the method; false for anything else.
bool parse_explain_method(const std::string& text, ExplainMethod* out);

// The last Conv2D layer (Grad-CAM's default), or -1 if the model has none.
int last_conv_layer(const Model& m);
// A layer by its Keras name ("conv2d_1", ...) with an (H, W, C) output usable by Grad-CAM; throws
// UserError naming the layers that are when it is unknown or flat.
int find_explain_layer(const Model& m, const std::string& name);

struct Explanation {
  ExplainMethod method = ExplainMethod::GradCam;
  int cls = 0;                // the class explained
  int predicted = 0;          // argmax of probs
  int layer = 0;              // Grad-CAM: the conv layer whose maps were weighed; saliency: 0
  std::vector<float> probs;   // (classes) softmax of the image
  int map_h = 0, map_w = 0;   // Grad-CAM: the layer's map before upsampling; saliency: input size
  std::vector<float> coarse;  // (map_h, map_w), ReLU'd, not normalised
  int h = 0, w = 0;           // the model's input size
  std::vector<float> heat;    // (h, w) in 0..1 (all 0 when the map is flat 0)
};

// x: one image as the model takes it, (H, W, C) already scaled. cls < 0 explains the predicted
// class. layer < 0 picks last_conv_layer (Grad-CAM). Runs an inference forward on `m` (its
// activations then show this image) and backward_to; parameters and grads() stay untouched.
// Grad-CAM (Selvaraju et al. 2017): the class score is the pre-softmax logit y_c; with A_k the
// chosen layer's maps, α_k = mean over (i, j) of ∂y_c/∂A_k(i, j), map = ReLU(Σ_k α_k A_k),
// bilinearly upsampled to the input and divided by its maximum. Saliency (Simonyan et al. 2014):
// max over channels of |∂y_c/∂x|, divided by its maximum.
Explanation explain_image(Model& m, const float* x, int cls, ExplainMethod method, int layer = -1);

// Bilinear resize of a one-channel map (align-corners false, like OpenCV's/TF's half-pixel
// centres): (in_h, in_w) → (out_h, out_w).
std::vector<float> resize_bilinear(const float* in, int in_h, int in_w, int out_h, int out_w);

// Viridis (five stops, linear between): t = 0 dark purple → blue → teal → green → 1 yellow;
// perceptually uniform and readable under the common colour-vision deficiencies. t is clamped.
void heat_colour(float t, uint8_t rgb[3]);

// out (h, w, 3) = the photo rgb (h, w, 3) blended with heat_colour(heat) at
// alpha = opacity · (0.4 + 0.6 · heat): hot areas covered most, cold ones tinted dark, so the photo
// shows through where the model does not look. opacity in 0..1 (clamped); out may equal rgb.
void blend_heat(uint8_t* out, const uint8_t* rgb, const float* heat, int h, int w, float opacity);

}  // namespace cnnlab
