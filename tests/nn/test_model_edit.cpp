// tests/nn/test_model_edit.cpp — the model editor's logic (nn/model_edit.h): specs read from and
// written to model files, add/remove/move, problems pinned to the layer at fault with the loader's
// words, and the layers before a problem still built for their shapes.
#include <doctest/doctest.h>

#include <string>

#include "core/error.h"
#include "core/fileio.h"
#include "nn/model.h"
#include "nn/model_edit.h"
#include "nn/model_file.h"
#include "test_tmp.h"

using namespace cnnlab;

namespace {

// 32×32 input: Conv2D 8 same relu → MaxPooling2D 2 → Flatten → Dense classes softmax.
ModelSpec small_spec() {
  ModelSpec s;
  s.name = "edited";
  s.image_size = 32;
  LayerSpec conv = default_layer("Conv2D");
  conv.filters = 8;
  LayerSpec out = default_layer("Dense");
  out.units_classes = true, out.activation = "softmax";
  s.layers = {conv, default_layer("MaxPooling2D"), default_layer("Flatten"), out};
  return s;
}

}  // namespace

TEST_CASE("model_edit: every preset reads into a spec that writes back the same model") {
  for (const std::string& name : model_file_names()) {
    CAPTURE(name);
    const ModelSpec spec = load_model_spec(name);
    const Model from_file = build_preset(name, spec.image_size, 5);
    SpecCheck c = check_spec(spec, 5);
    REQUIRE_MESSAGE(c.ok, c.error);
    CHECK(c.model.summary_table() == from_file.summary_table());
    CHECK(c.model.num_params() == from_file.num_params());
    // And the written text reads back to an equal spec.
    CHECK(spec_from_toml(spec_to_toml(spec), "again.toml") == spec);
  }
}

TEST_CASE("model_edit: the compact preset's spec keeps its Keras arguments") {
  const ModelSpec s = load_model_spec("compact");
  CHECK(s.name == "compact");
  CHECK(s.image_size == 192);
  REQUIRE(s.layers.size() == 20);
  CHECK(s.layers[0].type == "RandomFlip");
  CHECK(s.layers[0].mode == "horizontal");
  CHECK(s.layers[1].factor_lo == -0.05f);  // factor = 0.05 → [-0.05, 0.05]
  CHECK(s.layers[1].factor_hi == 0.05f);
  CHECK(s.layers[3].factor_lo == 0.1f);           // RandomContrast: factor f → [f, f]
  CHECK(s.layers[4].type == "AveragePooling2D");  // 192 → 96 after augmenting
  CHECK(s.layers[4].pool_size == 2);
  CHECK(s.layers[14].type == "Conv2D");
  CHECK(s.layers[14].filters == 256);
  CHECK(s.layers[17].type == "GlobalAveragePooling2D");
  CHECK(s.layers[18].rate == 0.3f);
  CHECK(s.layers[19].units_classes);
  CHECK(s.layers[19].activation == "softmax");
  CHECK(s.layers[6].type == "BatchNormalization");
  CHECK(s.layers[6].momentum == 0.9f);  // kept, not Keras's 0.99
  CHECK(s.fit.epochs == 100);           // and the [fit] table with it
  CHECK(s.fit.cosine_decay.warmup_epochs == 5);
  CHECK(s.fit.mixup.alpha == 0.2);
  CHECK(spec_from_toml(spec_to_toml(s), "again.toml") == s);
  // Floats are written in their shortest form.
  const std::string text = spec_to_toml(s);
  CHECK(text.find("rate = 0.3\n") != std::string::npos);
  CHECK(text.find("units = \"classes\"") != std::string::npos);
  CHECK(text.find("momentum = 0.9\n") != std::string::npos);
  CHECK(text.find("\n[fit]\nepochs = 100\n") != std::string::npos);
}

TEST_CASE("model_edit: add, remove and move layers") {
  ModelSpec s = small_spec();
  insert_layer(s, 1, default_layer("BatchNormalization"));
  REQUIRE(s.layers.size() == 5);
  CHECK(s.layers[1].type == "BatchNormalization");
  insert_layer(s, 99, default_layer("Dropout"));  // past the end: appends
  CHECK(s.layers.back().type == "Dropout");
  remove_layer(s, 5);
  remove_layer(s, 42);  // out of range: nothing
  CHECK(s.layers.size() == 5);
  CHECK(move_layer(s, 1, +1) == 2);  // BatchNormalization below the pool
  CHECK(s.layers[1].type == "MaxPooling2D");
  CHECK(s.layers[2].type == "BatchNormalization");
  CHECK(move_layer(s, 0, -1) == 0);  // the top cannot move up
  CHECK(move_layer(s, 4, +1) == 4);  // nor the bottom down
  CHECK(s.layers[0].type == "Conv2D");
}

TEST_CASE("model_edit: a valid spec builds the whole model with its shapes") {
  SpecCheck c = check_spec(small_spec(), 5);
  REQUIRE(c.ok);
  CHECK(c.error.empty());
  CHECK(c.built == 4);
  const auto& L = c.model.layers();
  REQUIRE(L.size() == 5);
  CHECK(L[1].out_h == 32);  // same padding
  CHECK(L[1].out_c == 8);
  CHECK(L[2].out_h == 16);
  CHECK(L[3].out_c == 16 * 16 * 8);
  // conv 3·3·3·8 + 8 = 224; dense 2048·5 + 5 = 10245
  CHECK(L[1].num_params() == 224);
  CHECK(L[4].num_params() == 10245);
  CHECK(c.model.num_params() == 224 + 10245);
}

TEST_CASE(
    "model_edit: problems are pinned to the layer at fault, worded as the loader words them") {
  SUBCASE("a shape going to nothing") {
    ModelSpec s = small_spec();
    LayerSpec big = default_layer("MaxPooling2D");
    big.pool_size = big.strides = 64;
    insert_layer(s, 2, big);  // after the 32→16 pool: 16x16 input, 64x64 window
    SpecCheck c = check_spec(s);
    CHECK_FALSE(c.ok);
    CHECK(c.error_layer == 2);
    CHECK(c.error.find("MaxPooling2D with a 64x64 window does not fit its 16x16 input") == 0);
    CHECK(c.error.find("(use padding") != std::string::npos);  // the hint follows
    // The layers before it are still built, for their shapes.
    CHECK(c.built == 2);
    REQUIRE(c.model.layers().size() >= 3);
    CHECK(c.model.layers()[2].out_h == 16);
  }
  SUBCASE("softmax not last") {
    ModelSpec s = small_spec();
    insert_layer(s, 4, default_layer("Dropout"));
    SpecCheck c = check_spec(s);
    CHECK(c.error_layer == 3);  // the softmax Dense layer is no longer last
    CHECK(c.error == "softmax is allowed only on the last layer");
    CHECK(c.built == 3);  // everything before it
  }
  SUBCASE("augmentation after other layers") {
    ModelSpec s = small_spec();
    insert_layer(s, 1, default_layer("RandomFlip"));
    SpecCheck c = check_spec(s);
    CHECK(c.error_layer == 1);
    CHECK(c.error ==
          "RandomFlip after a Conv2D layer (augmentation layers (Random*) go first, before any "
          "other layer)");
    CHECK(c.built == 1);
  }
  SUBCASE("an argument out of range points at its layer") {
    ModelSpec s = small_spec();
    s.layers[0].filters = 0;
    SpecCheck c = check_spec(s);
    CHECK(c.error_layer == 0);
    CHECK(c.error == "'filters' = 0 is out of range 1..65536");
    CHECK(c.built == 0);
  }
  SUBCASE("no softmax at the end: the last layer") {
    ModelSpec s = small_spec();
    s.layers[3].activation = "relu";
    SpecCheck c = check_spec(s);
    CHECK(c.error_layer == 3);
    CHECK(c.error.find("the model must end in a softmax Dense layer") == 0);
  }
  SUBCASE("the model as a whole: image size, no layers") {
    ModelSpec s = small_spec();
    s.image_size = 4;
    SpecCheck c = check_spec(s);
    CHECK(c.error_layer == -1);
    CHECK(c.error == "'image_size' = 4 is out of range 8..2048");
    s.image_size = 32;
    s.layers.clear();
    c = check_spec(s);
    CHECK(c.error_layer == -1);
    CHECK(c.error.find("no layers") == 0);
    CHECK(c.model.layers().empty());
  }
  SUBCASE("a name with quotes stays one TOML string") {
    ModelSpec s = small_spec();
    s.name = "my \"best\" \\ model";
    CHECK(check_spec(s).ok);
    CHECK(spec_from_toml(spec_to_toml(s), "q.toml").name == s.name);
  }
}

TEST_CASE("model_edit: a saved spec reloads to the same model (atomic write, no temp left)") {
  test::TempDir dir("model_edit");
  ModelSpec s = small_spec();
  s.layers[0].l2 = 0.001f;
  insert_layer(s, 0, default_layer("RandomZoom"));
  insert_layer(s, 1, default_layer("RandomTranslation"));
  const std::string path = dir / "edited.toml";
  save_model_spec(s, path);
  CHECK(std::filesystem::directory_iterator(dir.path()) != std::filesystem::directory_iterator());
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  CHECK(files == 1);
  CHECK(spec_to_toml(load_model_spec(path)) == spec_to_toml(s));
  CHECK(load_model_spec(path) == s);
  const Model m = load_model_file(path, 0, 3);
  SpecCheck c = check_spec(s, 3);
  REQUIRE(c.ok);
  CHECK(m.summary_table() == c.model.summary_table());
  CHECK(m.layers()[3].l2 == 0.001f);
  // A folder that does not exist: a UserError naming the path, nothing written.
  CHECK_THROWS_AS(save_model_spec(s, dir / "missing/x.toml"), UserError);
}

TEST_CASE("model_edit: layer_args_text") {
  ModelSpec s = small_spec();
  CHECK(layer_args_text(s.layers[0]) == "8 filters, 3×3, same, relu");
  CHECK(layer_args_text(s.layers[1]) == "2×2");
  CHECK(layer_args_text(s.layers[2]).empty());
  CHECK(layer_args_text(s.layers[3]) == "classes units, softmax");
  CHECK(layer_args_text(default_layer("Dropout")) == "rate 0.3");
  CHECK(layer_args_text(default_layer("RandomRotation")) == "[-0.05, 0.05]");
}

TEST_CASE("model_edit: compact's BatchNormalization momentum 0.9 survives load, edit, save, load") {
  test::TempDir dir("model_edit_bn");
  ModelSpec s = load_model_spec("compact");
  const std::vector<size_t> bn = {6, 9, 12, 15};
  for (size_t i : bn) {
    REQUIRE(s.layers[i].type == "BatchNormalization");
    CHECK(s.layers[i].momentum == 0.9f);
  }
  s.layers[5].filters = 48;       // an edit elsewhere
  s.layers[9].epsilon = 1e-5f;    // and one BatchNormalization argument
  s.layers[12].momentum = 0.95f;  // another
  const std::string path = dir / "compact-edited.toml";
  save_model_spec(s, path);
  const ModelSpec back = load_model_spec(path);
  CHECK(back == s);
  CHECK(back.layers[6].momentum == 0.9f);
  CHECK(back.layers[6].epsilon == 1e-3f);
  CHECK(back.layers[9].momentum == 0.9f);
  CHECK(back.layers[9].epsilon == 1e-5f);
  CHECK(back.layers[12].momentum == 0.95f);
  CHECK(back.layers[15].momentum == 0.9f);
  CHECK(back.fit == load_model_spec("compact").fit);
  // What training builds from the file: the model's own BatchNormalization layers.
  const Model m = load_model_file(path, 0, 5);
  CHECK(m.layers()[7].bn_momentum == 0.9f);  // the model has an input layer first
  CHECK(m.layers()[10].bn_epsilon == 1e-5f);
  CHECK(m.layers()[13].bn_momentum == 0.95f);
  const std::string text = read_file_text(path, kMaxModelFileBytes);
  CHECK(text.find("momentum = 0.9\n") != std::string::npos);
  CHECK(text.find("epsilon = 1e-05\n") != std::string::npos);
  CHECK(layer_args_text(back.layers[6]) == "momentum 0.9");
  CHECK(layer_args_text(back.layers[9]) == "momentum 0.9, epsilon 1e-05");
  CHECK(layer_args_text(default_layer("BatchNormalization")).empty());
}

namespace {

// small_spec with a BatchNormalization layer after the conv (index 1) and nothing in [fit].
ModelSpec spec_with_bn() {
  ModelSpec s = small_spec();
  insert_layer(s, 1, default_layer("BatchNormalization"));
  return s;
}

struct Edit {
  const char* what;
  void (*apply)(ModelSpec&);
};

}  // namespace

TEST_CASE("model_edit: every argument the editor gained is written and read back") {
  const std::vector<Edit> edits = {
      {"momentum", [](ModelSpec& s) { s.layers[1].momentum = 0.5f; }},
      {"epsilon", [](ModelSpec& s) { s.layers[1].epsilon = 1e-5f; }},
      {"Conv2D l2", [](ModelSpec& s) { s.layers[0].l2 = 0.002f; }},
      {"Dense l2", [](ModelSpec& s) { s.layers[4].l2 = 0.25f; }},
      {"epochs", [](ModelSpec& s) { s.fit.epochs = 7; }},
      {"batch_size", [](ModelSpec& s) { s.fit.batch_size = 16; }},
      {"early_stopping", [](ModelSpec& s) { s.fit.early_stopping.enabled = true; }},
      {"es.monitor",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.monitor = "val_accuracy";
       }},
      {"es.min_delta",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.min_delta = 0.01;
       }},
      {"es.patience",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.patience = 4;
       }},
      {"es.mode",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.mode = MonitorMode::Max;
       }},
      {"es.restore_best_weights",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.restore_best_weights = true;
       }},
      {"es.start_from_epoch",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.start_from_epoch = 3;
       }},
      {"reduce_lr_on_plateau", [](ModelSpec& s) { s.fit.reduce_lr.enabled = true; }},
      {"rlr.monitor",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.monitor = "loss"; }},
      {"rlr.factor",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.factor = 0.2; }},
      {"rlr.patience",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.patience = 3; }},
      {"rlr.mode",
       [](ModelSpec& s) {
         s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.mode = MonitorMode::Min;
       }},
      {"rlr.min_delta",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.min_delta = 0.001; }},
      {"rlr.cooldown",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.cooldown = 2; }},
      {"rlr.min_lr",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.min_lr = 1e-6; }},
  };
  const ModelSpec base = spec_with_bn();
  REQUIRE(check_spec(base, 5).ok);
  for (const Edit& e : edits) {
    CAPTURE(e.what);
    ModelSpec s = base;
    e.apply(s);
    REQUIRE(s != base);  // the edit changes something
    const SpecCheck c = check_spec(s, 5);
    REQUIRE_MESSAGE(c.ok, c.error);
    const ModelSpec back = spec_from_toml(spec_to_toml(s), "back.toml");
    CHECK(back == s);
    CHECK(back != base);
    CHECK(back.fit == c.model.fit);  // the loader's model carries the same [fit]
  }
}

TEST_CASE("model_edit: each range check rejects a value in the loader's words, where it is") {
  struct Bad {
    const char* what;
    void (*apply)(ModelSpec&);
    int layer;        // error_layer
    const char* fit;  // error_fit
    const char* error;
  };
  const std::vector<Bad> bad = {
      {"momentum 1", [](ModelSpec& s) { s.layers[1].momentum = 1; }, 1, "",
       "'momentum' = 1 is out of range [0, 0.9999]"},
      {"momentum -0.1", [](ModelSpec& s) { s.layers[1].momentum = -0.1f; }, 1, "",
       "'momentum' = -0.1 is out of range [0, 0.9999]"},
      {"epsilon 0", [](ModelSpec& s) { s.layers[1].epsilon = 0; }, 1, "",
       "'epsilon' = 0 is out of range [1e-08, 1]"},
      {"epsilon 2", [](ModelSpec& s) { s.layers[1].epsilon = 2; }, 1, "",
       "'epsilon' = 2 is out of range [1e-08, 1]"},
      {"Conv2D l2 -0.01", [](ModelSpec& s) { s.layers[0].l2 = -0.01f; }, 0, "",
       "'l2' = -0.01 is out of range [0, 1000]"},
      {"Dense l2 2000", [](ModelSpec& s) { s.layers[4].l2 = 2000; }, 4, "",
       "'l2' = 2000 is out of range [0, 1000]"},
      {"epochs 100001", [](ModelSpec& s) { s.fit.epochs = 100001; }, -1, "epochs",
       "'epochs' = 100001 is out of range 1..100000"},
      {"epochs -1", [](ModelSpec& s) { s.fit.epochs = -1; }, -1, "epochs",
       "'epochs' = -1 is out of range 1..100000"},
      {"batch_size 4097", [](ModelSpec& s) { s.fit.batch_size = 4097; }, -1, "batch_size",
       "'batch_size' = 4097 is out of range 1..4096"},
      {"es.monitor",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.monitor = "val_acc";
       },
       -1, "early_stopping",
       "'monitor' = \"val_acc\" is not supported (use one of: accuracy, loss, val_accuracy, "
       "val_loss)"},
      {"es.min_delta -1",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.min_delta = -1;
       },
       -1, "early_stopping", "'min_delta' = -1 is out of range [0, 1000000]"},
      {"es.patience -1",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.patience = -1;
       },
       -1, "early_stopping", "'patience' = -1 is out of range 0..100000"},
      {"es.start_from_epoch -1",
       [](ModelSpec& s) {
         s.fit.early_stopping.enabled = true, s.fit.early_stopping.start_from_epoch = -1;
       },
       -1, "early_stopping", "'start_from_epoch' = -1 is out of range 0..100000"},
      {"rlr.factor 1",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.factor = 1; }, -1,
       "reduce_lr_on_plateau",
       "reduce_lr_on_plateau factor must be above 0 and below 1 (the lr is multiplied by it) "
       "(Keras uses 0.1 to 0.5)"},
      {"rlr.factor 0",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.factor = 0; }, -1,
       "reduce_lr_on_plateau",
       "reduce_lr_on_plateau factor must be above 0 and below 1 (the lr is multiplied by it) "
       "(Keras uses 0.1 to 0.5)"},
      {"rlr.patience -1",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.patience = -1; }, -1,
       "reduce_lr_on_plateau", "'patience' = -1 is out of range 0..100000"},
      {"rlr.min_delta -1",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.min_delta = -1; }, -1,
       "reduce_lr_on_plateau", "'min_delta' = -1 is out of range [0, 1000000]"},
      {"rlr.cooldown -1",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.cooldown = -1; }, -1,
       "reduce_lr_on_plateau", "'cooldown' = -1 is out of range 0..100000"},
      {"rlr.min_lr 11",
       [](ModelSpec& s) { s.fit.reduce_lr.enabled = true, s.fit.reduce_lr.min_lr = 11; }, -1,
       "reduce_lr_on_plateau", "'min_lr' = 11 is out of range [0, 10]"},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.what);
    ModelSpec s = spec_with_bn();
    b.apply(s);
    const SpecCheck c = check_spec(s, 5);
    CHECK_FALSE(c.ok);
    CHECK(c.error == b.error);
    CHECK(c.error_layer == b.layer);
    CHECK(c.error_fit == b.fit);
    if (*b.fit) {  // the layers are fine: all built, for their shapes
      CHECK(c.built == s.layers.size());
      CHECK(c.model.layers().size() == s.layers.size() + 1);
    } else {
      CHECK(c.built == size_t(b.layer));
    }
  }
}
