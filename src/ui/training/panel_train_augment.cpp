// ui/training/panel_train_augment.cpp — what the network sees: the probe photo and seven augmented
// versions of it made by the model's own Random* layers (seeded; "New samples" re-rolls), blended
// with other training photos when the run uses MixUp, with the layer list under them; for a model
// without augmentation, which presets have it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "data/augment.h"
#include "nn/model.h"
#include "nn/model_file.h"
#include "ui/image_io.h"
#include "ui/training/training_panels.h"

namespace cnnlab {

namespace {

constexpr int kCopies = 7;  // with the original: 8 tiles, as 8×1, 4×2 or 2×4
constexpr uint64_t kStripSeed = 0x5712;

// The presets whose files have augmentation layers, found once (each file parsed).
const std::vector<std::string>& augment_presets(TrainingUi& ui) {
  if (ui.augment_presets_known) return ui.augment_presets;
  ui.augment_presets_known = true;
  for (const std::string& name : preset_names()) {
    try {
      Model m = load_model_file(model_file_path(name), 0, -1);  // the layers alone
      if (m.layers().size() > 1 && is_augment_kind(m.layers()[1].kind))
        ui.augment_presets.push_back(name);
    } catch (const std::exception&) {  // a broken file is reported where it is chosen
    }
  }
  return ui.augment_presets;
}

// The copies as textures, remade only when the data, probe, model or roll changed.
void upload_copies(TrainingUi& ui, const Snapshot& s) {
  AugmentStripGl& g = ui.gl.augment;
  const uint64_t seed = kStripSeed + ui.augment_roll;
  if (!ui.gl.enabled ||
      (g.data == s.data.get() && g.probe == s.probe_index && g.preset == s.settings.preset &&
       g.seed == seed && g.mixup_alpha == s.mixup_alpha))
    return;
  g.data = s.data.get(), g.probe = s.probe_index, g.preset = s.settings.preset, g.seed = seed;
  g.mixup_alpha = s.mixup_alpha;
  const Dataset& d = *s.data;
  std::vector<uint8_t> copies = augmented_copies(d.image(size_t(s.probe_index)), d.height, d.width,
                                                 d.channels, s.augmentation, kCopies, seed);
  const size_t per = d.image_bytes();
  g.mixup_shares.clear();
  if (s.mixup_alpha > 0 && s.split.train.size() > 1) {
    // Each copy's partner: another training photo, augmented by the same layers (as in a batch).
    Rng rng(seed, 0x313d);
    std::vector<uint8_t> partners(per * kCopies);
    std::vector<int> partner(kCopies);
    for (int i = 0; i < kCopies; ++i) {
      int p = s.probe_index;
      while (p == s.probe_index) p = s.split.train[rng.below(uint32_t(s.split.train.size()))];
      partner[size_t(i)] = p;
      const std::vector<uint8_t> one = augmented_copies(
          d.image(size_t(p)), d.height, d.width, d.channels, s.augmentation, 1, seed + 1 + i);
      std::copy(one.begin(), one.end(), partners.begin() + long(per * size_t(i)));
    }
    const std::vector<float> shares =
        mixup_copies(copies.data(), partners.data(), kCopies, per, float(s.mixup_alpha), seed);
    // The photo's own share in each copy, and the class it was blended with: made once, here.
    for (int i = 0; i < kCopies; ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%.2f (+ %s)", i ? ", " : "", double(shares[size_t(i)]),
                    s.class_names[size_t(d.labels[size_t(partner[size_t(i)])])].c_str());
      g.mixup_shares += buf;
    }
  }
  g.textures.resize(kCopies);
  for (int i = 0; i < kCopies; ++i)
    g.textures[size_t(i)].upload(rgba_from_rgb(copies.data() + per * size_t(i), d.width, d.height));
}

// Tiles per row for 8 tiles in (w, h) with `text_h` kept free below: the layout with the largest
// tile. Returns the columns; `side` gets the tile side.
int strip_columns(float w, float h, float gap, float* side) {
  int best = 8;
  *side = 0;
  for (int cols : {8, 4, 2}) {
    const int rows = 8 / cols;
    const float s = std::min((w - gap * float(cols - 1)) / float(cols),
                             (h - gap * float(rows - 1)) / float(rows));
    if (s > *side) *side = s, best = cols;
  }
  *side = std::floor(std::max(*side, 8.0f));
  return best;
}

void no_augmentation(TrainingUi& ui, const Snapshot& s) {
  std::string names;
  for (const std::string& p : augment_presets(ui)) names += (names.empty() ? "" : ", ") + p;
  ImGui::PushTextWrapPos(0);
  ImGui::Text(
      "The %s model has no augmentation layers: it sees every photo the same way in "
      "every epoch.",
      s.settings.preset.c_str());
  if (!names.empty())
    ImGui::Text("Presets with augmentation (RandomFlip, RandomRotation, ...): %s.", names.c_str());
  ImGui::PopTextWrapPos();
}

const char* const kHeading = "Layers, in order (each image, each epoch, fresh random values):";
const char* const kHeadingShort = "Layers, in order:";

// The original (framed) and the copies, `cols` per row, tiles of `side` pixels.
void tiles(const TrainingUi& ui, const Snapshot& s, int cols, float side, float gap) {
  const AugmentStripGl& g = ui.gl.augment;
  const float em = ImGui::GetFontSize();
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, gap));
  for (int i = 0; i < 8; ++i) {
    if (i % cols) ImGui::SameLine();
    const GLuint id =
        i == 0 ? (ui.gl.probe.valid() && ui.gl.probe_for == s.probe_index ? ui.gl.probe.id() : 0)
               : (size_t(i - 1) < g.textures.size() ? g.textures[size_t(i - 1)].id() : 0);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    texture_image(id, ImVec2(side, side));
    if (i == 0)
      ImGui::GetWindowDrawList()->AddRect(p, ImVec2(p.x + side, p.y + side),
                                          ImGui::GetColorU32(ImGuiCol_Text), 0, 0,
                                          std::max(2.0f, em * 0.12f));
  }
  ImGui::PopStyleVar();
}

}  // namespace

void draw_train_augment_panel(TrainingUi& ui) {
  const Snapshot& s = *ui.snap;
  panel_header(ui, "What the network sees: augmented probe", "augment");
  if (!s.data || s.probe_index < 0) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("Load a dataset: the probe photo and its augmented versions appear here.");
    ImGui::PopTextWrapPos();
    return;
  }
  if (s.augmentation.empty()) {
    no_augmentation(ui, s);
    return;
  }
  upload_copies(ui, s);
  if (ImGui::Button("New samples")) ++ui.augment_roll;
  ImGui::SameLine();
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted("Framed: the photo. Then the model's random versions of it.");
  ImGui::PopTextWrapPos();
  // The layer list goes under the tiles or, when that leaves larger tiles, beside them.
  const float em = ImGui::GetFontSize(), gap = std::floor(em * 0.3f);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  float list_w = ImGui::CalcTextSize(kHeadingShort).x;
  for (const AugmentLayer& l : s.augmentation)
    list_w = std::max(list_w, ImGui::CalcTextSize(describe_augment_layer(l).c_str()).x +
                                  ImGui::GetTreeNodeToLabelSpacing());
  list_w = std::ceil(list_w + gap);
  const bool mixup = s.mixup_alpha > 0;  // a bullet and a wrapped line of shares
  if (mixup) list_w = std::max(list_w, ImGui::CalcTextSize("MixUp(alpha 0.25)").x);
  const float below_h =
      ImGui::CalcTextSize(kHeading, nullptr, false, avail.x).y +
      ImGui::GetTextLineHeightWithSpacing() * float(s.augmentation.size() + (mixup ? 3 : 0)) +
      ImGui::GetStyle().ItemSpacing.y * 2;
  float side_below = 0, side_beside = 0;
  const int cols_below = strip_columns(avail.x, avail.y - below_h, gap, &side_below);
  const int cols_beside = strip_columns(avail.x - list_w - 2 * gap, avail.y, gap, &side_beside);
  const bool beside = side_beside > side_below && list_w < avail.x * 0.6f;
  ImGui::BeginGroup();
  tiles(ui, s, beside ? cols_beside : cols_below, beside ? side_beside : side_below, gap);
  ImGui::EndGroup();
  if (beside) ImGui::SameLine(0, 2 * gap);
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(beside ? ImGui::GetCursorPosX() + list_w : 0.0f);
  ImGui::TextDisabled("%s", beside ? kHeadingShort : kHeading);
  ImGui::PopTextWrapPos();
  for (const AugmentLayer& l : s.augmentation)
    ImGui::BulletText("%s", describe_augment_layer(l).c_str());
  const AugmentStripGl& g = ui.gl.augment;
  if (s.mixup_alpha > 0 && !g.mixup_shares.empty()) {
    ImGui::BulletText("MixUp(alpha %g)", s.mixup_alpha);
    ImGui::PushTextWrapPos(beside ? ImGui::GetCursorPosX() + list_w : 0.0f);
    ImGui::TextDisabled(
        "then each is blended with another photo, and so is its label. This "
        "photo's share in each: %s",
        g.mixup_shares.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::EndGroup();
}

}  // namespace cnnlab
