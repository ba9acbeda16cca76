// data/augment.h — Keras-style random augmentation of NHWC image batches on the CPU, seeded per
// batch.
//
// The six Keras preprocessing layers against overfitting: RandomFlip, RandomRotation, RandomZoom,
// RandomTranslation, RandomContrast, RandomBrightness. Like Keras they run only while training
// (at inference they are the identity: simply do not call augment_batch), draw fresh parameters
// for every image, and apply in the order given, each geometric layer resampling on its own.
// Labels are never touched (these functions do not take them): every transform keeps the class.
//
// Geometric layers follow TF's ImageProjectiveTransformV3, which Keras's affine_transform calls:
// output pixel (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2), the coordinate is mapped
// back inside by fill_mode, then sampled bilinearly (or nearest).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.h"

namespace cnnlab {

enum class AugmentKind { Flip, Rotation, Zoom, Translation, Contrast, Brightness };
// Keras fill_mode: reflect (d c b a | a b c d | d c b a), constant (k k | a b c d | k k) with
// k = fill_value, nearest (a a | a b c d | d d).
enum class FillMode { Reflect, Constant, Nearest };
enum class Interpolation { Bilinear, Nearest };

// One layer, holding Keras's own arguments. For each image a value u is drawn uniformly from
// [lower, upper] (and u2 from [lower2, upper2] for the width where the layer has one):
//   Flip         mode horizontal / vertical / both; one coin per image, p = 1/2 (Keras 3 flips
//                both axes together on the same coin in "horizontal_and_vertical").
//   Rotation     angle = u · 2π (factor as a fraction of a turn); positive = counter-clockwise.
//   Zoom         height zoom = 1 + u, width zoom = 1 + u2, or = height zoom (aspect kept) when
//                has_width is false. Positive zooms out, negative zooms in.
//   Translation  shift down by u · H and right by u2 · W pixels.
//   Contrast     factor f drawn from [1 - lower, 1 + upper]; per image and channel
//                x = (x - mean) · f + mean, mean over H and W; clipped to [value_lo, value_hi].
//   Brightness   x += u · (value_hi - value_lo), the same for all channels; clipped likewise.
struct AugmentLayer {
  AugmentKind kind = AugmentKind::Flip;
  bool horizontal = true, vertical = true;  // Flip only
  float lower = 0, upper = 0;               // the factor range (height for Zoom/Translation)
  bool has_width = false;                   // Zoom: width_factor given (Translation: always)
  float lower2 = 0, upper2 = 0;             // width factor range
  FillMode fill_mode = FillMode::Reflect;
  Interpolation interpolation = Interpolation::Bilinear;
  float fill_value = 0;
  float value_lo = 0, value_hi = 255;  // Contrast/Brightness value_range
};

// Keras constructors. A single factor f means the range (-|f|, |f|) (Contrast: lower = upper = f).
AugmentLayer random_flip(bool horizontal, bool vertical);
AugmentLayer random_rotation(float lower, float upper);
AugmentLayer random_zoom(float height_lower, float height_upper);  // width follows height
AugmentLayer random_zoom(float height_lower, float height_upper, float width_lower,
                         float width_upper);
AugmentLayer random_translation(float height_lower, float height_upper, float width_lower,
                                float width_upper);
AugmentLayer random_contrast(float lower, float upper);
AugmentLayer random_brightness(float lower, float upper);

// Keras's argument checks, as a reason a user can read ("" if fine): zoom, translation and
// brightness factors within [-1, 1], contrast factors within [0, 1], lower <= upper, finite
// values, value_range low < high. Model/config loaders call it and throw UserError(path, reason).
std::string augment_layer_problem(const AugmentLayer& layer);

// A batch seed from the run's seed, the epoch and the batch index (SplitMix64 mixing), so every
// batch of every epoch gets fresh, reproducible parameters.
uint64_t augment_seed(uint64_t run_seed, int64_t epoch, int64_t batch);

// Augments images (N, H, W, C) in place. Image k draws its parameters from its own generator
// (Rng(mix(seed), k)), so the result depends on (seed, k) only: not on the thread count, nor on
// the other images. Parallel over images. The uint8 version computes in float and rounds to the
// nearest integer in [0, 255] at the end (Keras would output floats).
void augment_batch(float* images, int n, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, uint64_t seed);
void augment_batch(uint8_t* images, int n, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, uint64_t seed);

// `count` augmented copies of one image (H, W, C) in pixels, for showing what the network sees:
// layer k (0-based) augments all copies with augment_seed(seed, 0, k + 1), copy i drawing from its
// own generator, as the model's Random* layers do a batch (value_range in pixels, as in the model
// file). Returns (count, H, W, C) uint8, rounded as augment_batch's uint8 form. `image` is not
// changed; no label goes in or out (augmentation keeps the class).
std::vector<uint8_t> augmented_copies(const uint8_t* image, int h, int w, int c,
                                      const std::vector<AugmentLayer>& layers, int count,
                                      uint64_t seed);

// MixUp for showing: copy i of `count` (each `per` values, uint8) becomes λ_i · copy + (1 - λ_i) ·
// partner i, rounded to the nearest integer, with λ_i = max(b, 1 - b), b ~ Beta(alpha, alpha) from
// Rng(seed): the copy stays the larger share (Beta(alpha, alpha) is symmetric, so a batch makes
// the same blends, each seen from either photo). Returns the λ_i (the copy's own share).
std::vector<float> mixup_copies(uint8_t* copies, const uint8_t* partners, int count, size_t per,
                                float alpha, uint64_t seed);

// The layer in Keras's words, for labels: "RandomFlip(horizontal)", "RandomRotation(±0.05 turn =
// ±18°)", "RandomZoom(-0.1..0.1)", "RandomContrast(0.1)".
std::string describe_augment_layer(const AugmentLayer& layer);

// Keras's MixUp (keras.layers.MixUp, Zhang et al. 2018) on a batch of n images of `per` values
// each, after the Random* layers: a seeded permutation j of the batch and, per image, a weight
// λ_i ~ Beta(alpha, alpha) give x_i = λ_i x_i + (1 - λ_i) x_j(i) and
// targets_i = λ_i onehot(y_i) + (1 - λ_i) onehot(y_j(i)) ((n, classes), each row sums to 1).
// Depends on (seed, n) only. images is changed in place; y is not (the class an image started
// with); scratch is resized to hold a copy of the batch.
void mixup_batch(float* images, float* targets, const int* y, int n, size_t per, int classes,
                 float alpha, uint64_t seed, std::vector<float>& scratch);
// A draw from Beta(a, b) (a, b > 0) from rng: X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b)
// (Marsaglia-Tsang; a shape below 1 boosted by U^(1/a)).
float sample_beta(Rng& rng, float a, float b);

// One image (H, W, C) in place, parameters drawn from rng in layer order; tmp holds H·W·C floats.
void augment_image(float* image, float* tmp, int h, int w, int c,
                   const std::vector<AugmentLayer>& layers, Rng& rng);

}  // namespace cnnlab
