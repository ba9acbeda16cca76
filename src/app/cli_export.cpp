// app/cli_export.cpp — `cnnlab export --pytorch DIR` (a model.py nn.Sequential + the weights) and
// `cnnlab import --pytorch FILE` (a PyTorch state_dict back into a lab checkpoint); hidden
// `logits`. [SECTION] torch modules  [SECTION] model.py  [SECTION] export  [SECTION] torch
// safetensors [SECTION] import  [SECTION] logits  [SECTION] registration
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/commands.h"
#include "core/error.h"
#include "core/fileio.h"
#include "data/image.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "nn/serialize.h"
#include "train/setup.h"

namespace cnnlab {
namespace {

//-----------------------------------------------------------------------------
// [SECTION] torch modules: the nn.Sequential that computes what the lab's model computes
//-----------------------------------------------------------------------------
// One module of the Sequential. Parameterised ones (Conv2d, Linear) name the lab layer whose
// weights they hold; their state_dict keys are "<index>.weight" and "<index>.bias".
struct TorchModule {
  std::string code;     // "nn.Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
  std::string comment;  // "conv2d: (299, 299, 32)"
  int layer = -1;       // lab layer with weights, else -1
  bool conv = false;
  std::vector<int> weight_shape;           // PyTorch's: (Cout, Cin, KH, KW) or (Out, In)
  int flat_h = 1, flat_w = 1, flat_c = 0;  // Linear: the (H, W, C) its inputs are flattened from
};

std::string shape_text(int h, int w, int c) {
  return "(" + std::to_string(h) + ", " + std::to_string(w) + ", " + std::to_string(c) + ")";
}

// Keras pads "same" convolutions with the extra pixel after (bottom/right); a Conv2d pads both
// sides alike, so an uneven padding becomes a ZeroPad2d in front of an unpadded Conv2d.
void add_conv(std::vector<TorchModule>& mods, const LayerInfo& in, const LayerInfo& l, int index) {
  auto pads = [&](int size, int k, int s, int out) {
    const int total = l.padding == Padding::Same ? std::max((out - 1) * s + k - size, 0) : 0;
    const int before = conv_pad_before(size, k, s, l.padding);
    return std::pair<int, int>{before, total - before};
  };
  const auto [top, bottom] = pads(in.out_h, l.kernel_h, l.stride_h, l.out_h);
  const auto [left, right] = pads(in.out_w, l.kernel_w, l.stride_w, l.out_w);
  const std::string out = shape_text(l.out_h, l.out_w, l.out_c);
  std::string padding = "(" + std::to_string(top) + ", " + std::to_string(left) + ")";
  if (top != bottom || left != right) {
    mods.push_back({"nn.ZeroPad2d((" + std::to_string(left) + ", " + std::to_string(right) + ", " +
                        std::to_string(top) + ", " + std::to_string(bottom) + "))",
                    l.name + ": Keras's \"same\" padding, the extra pixel after"});
    padding = "0";
  }
  TorchModule conv;
  conv.code = "nn.Conv2d(" + std::to_string(in.out_c) + ", " + std::to_string(l.filters) +
              ", kernel_size=(" + std::to_string(l.kernel_h) + ", " + std::to_string(l.kernel_w) +
              "), stride=(" + std::to_string(l.stride_h) + ", " + std::to_string(l.stride_w) +
              "), padding=" + padding + ")";
  conv.comment = l.name + ": " + out;
  conv.layer = index;
  conv.conv = true;
  conv.weight_shape = {l.filters, in.out_c, l.kernel_h, l.kernel_w};
  mods.push_back(conv);
  if (l.activation == Activation::Relu) mods.push_back({"nn.ReLU()", ""});
}

// The Sequential for `m`; a layer kind PyTorch export does not know yet is a UserError naming
// `path` (the checkpoint).
std::vector<TorchModule> torch_modules(const Model& m, const std::string& path) {
  std::vector<TorchModule> mods;
  const auto& L = m.layers();
  int flat_h = 1, flat_w = 1, flat_c = 0;  // what the next Dense's inputs are flattened from
  for (size_t i = 1; i < L.size(); ++i) {
    const LayerInfo &l = L[i], &in = L[i - 1];
    if (l.kind == LayerKind::Conv2D) {
      add_conv(mods, in, l, int(i));
    } else if (l.kind == LayerKind::MaxPool2D) {
      mods.push_back({"nn.MaxPool2d(kernel_size=(" + std::to_string(l.kernel_h) + ", " +
                          std::to_string(l.kernel_w) + "), stride=(" + std::to_string(l.stride_h) +
                          ", " + std::to_string(l.stride_w) + "))",
                      l.name + ": " + shape_text(l.out_h, l.out_w, l.out_c)});
    } else if (l.kind == LayerKind::Flatten) {
      flat_h = in.out_h, flat_w = in.out_w, flat_c = in.out_c;
      mods.push_back(
          {"nn.Flatten()", l.name + ": (" + std::to_string(l.out_c) +
                               ",), NCHW order (the next layer's inputs are reordered)"});
    } else if (l.kind == LayerKind::Dense) {
      if (L[i - 1].kind != LayerKind::Flatten) flat_h = 1, flat_w = 1, flat_c = int(in.out_size());
      TorchModule d;
      d.code =
          "nn.Linear(" + std::to_string(in.out_size()) + ", " + std::to_string(l.filters) + ")";
      d.comment = l.name + ": (" + std::to_string(l.filters) + ",)" +
                  (l.activation == Activation::Softmax ? ", logits (softmax: in the loss)" : "");
      d.layer = int(i);
      d.weight_shape = {l.filters, int(in.out_size())};
      d.flat_h = flat_h, d.flat_w = flat_w, d.flat_c = flat_c;
      mods.push_back(d);
      if (l.activation == Activation::Relu) mods.push_back({"nn.ReLU()", ""});
    } else {
      throw UserError(path, "layer " + l.name + " (" + layer_kind_name(l.kind) +
                                ") has no PyTorch counterpart in `cnnlab export` yet");
    }
  }
  return mods;
}

//-----------------------------------------------------------------------------
// [SECTION] model.py: a template with @FIELDS@ filled in (the network, its parameter table)
//-----------------------------------------------------------------------------
constexpr const char* kModelPy = R"PY(
#!/usr/bin/env python3
"""model.py — @TITLE@ as a PyTorch nn.Sequential
(written by `cnnlab export --pytorch`).

The lab's checkpoint (weights.safetensors next to this file) holds Keras shapes: conv kernels
(KH, KW, Cin, Cout), dense kernels (In, Out), and the first dense layer's inputs in NHWC flatten
order (Keras is channels-last). PyTorch wants conv weights (Cout, Cin, KH, KW), linear weights
(Out, In) and flattens NCHW, so load_cnnlab() transposes the kernels and reorders that dense layer's
inputs once. The network then runs on NCHW tensors, or on channels_last ones (to_input() makes
those: the same tensor, NHWC in memory, often faster on CPUs; net.to(memory_format=
torch.channels_last) does the same for the weights).

The last layer returns logits: Keras's softmax lives in nn.CrossEntropyLoss in PyTorch.

    import torch, model
    net = model.build_model()
    info = model.load_cnnlab(net, "weights.safetensors")  # {"class_names", "mean", "std"}
    logits = net(model.to_input(pixels, info))             # pixels: (N, H, W, 3), 0..255
    ...train on a GPU (net.cuda()) or across machines (DistributedDataParallel(net))...
    model.save_state(net, "trained.safetensors")

Back in the lab (the config checkpoint gives the layers, class names and scaling):
    cnnlab import --pytorch trained.safetensors --config weights.safetensors --save back.safetensors

Reading and writing weights needs only numpy (safetensors is an 8-byte little-endian header length,
a JSON header, then raw little-endian tensors); the network needs PyTorch 1.10 or later.
`python3 model.py weights.safetensors` checks that the weights load and prints the network.
"""
import json
import struct
import sys

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # the weight conversion below needs only numpy
    torch = nn = None

INPUT_SHAPE = (@H@, @W@, @C@)  # (H, W, C), as the lab's checkpoint says
# The lab's layer list (its cnnlab.layers); load_cnnlab checks the weights were made for it.
LAYERS = '@LAYERS@'
NUM_CLASSES = @CLASSES@


def build_model():
    """The lab's layers in order; comments give each cnnlab layer and its output (H, W, C)."""
    return nn.Sequential(
@MODULES@
    )


# Parameterised modules: (index in the Sequential, cnnlab layer, kind, the (H, W, C) a dense layer's
# inputs are flattened from: (1, 1, In) when they come from another dense layer).
PARAMS = [
@PARAMS@
]


def keras_to_torch(tensors):
    """{cnnlab name: Keras-shaped array} -> {state_dict key: PyTorch-shaped float32 array}."""
    state = {}
    for index, layer, kind, flat in PARAMS:
        k, b = tensors[layer + "/kernel"], tensors[layer + "/bias"]
        if kind == "conv":  # (KH, KW, Cin, Cout) -> (Cout, Cin, KH, KW)
            w = k.transpose(3, 2, 0, 1)
        else:  # (H*W*C in NHWC order, Out) -> (Out, C*H*W in NCHW order)
            h, w_, c = flat
            w = k.reshape(h, w_, c, -1).transpose(3, 2, 0, 1).reshape(k.shape[1], -1)
        state[f"{index}.weight"] = np.ascontiguousarray(w, dtype=np.float32)
        state[f"{index}.bias"] = np.ascontiguousarray(b, dtype=np.float32)
    return state


def read_safetensors(path):
    """({name: float32 array}, {metadata}) from a safetensors file (F32 tensors only)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        tensors = {}
        for name, t in header.items():
            if name == "__metadata__":
                continue
            if t["dtype"] != "F32":
                raise ValueError(f"{path}: tensor {name} is {t['dtype']}, expected F32")
            begin, end = t["data_offsets"]
            f.seek(8 + n + begin)
            a = np.fromfile(f, dtype="<f4", count=(end - begin) // 4)
            tensors[name] = a.reshape(t["shape"]).astype(np.float32)
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata):
    """Writes {name: array} as float32 safetensors with string metadata."""
    header, offset, arrays = {}, 0, []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in arrays:
            a.tofile(f)


def class_names(metadata):
    """The checkpoint's class names: a JSON list whose '%XX' escapes stand for raw bytes."""
    raw = metadata.get("cnnlab.class_names", "[]")
    names = json.loads(raw) if raw.startswith("[") else raw.split("\n")
    out = []
    for s in names:
        b, i = bytearray(), 0
        while i < len(s):
            if s[i] == "%":
                b.append(int(s[i + 1:i + 3], 16))
                i += 3
            else:
                b += s[i].encode()
                i += 1
        out.append(b.decode("utf-8", "surrogateescape"))
    return out


def load_cnnlab(net, path):
    """Loads the lab's checkpoint into net; returns its class names and input scaling."""
    tensors, meta = read_safetensors(path)
    shape = ",".join(map(str, INPUT_SHAPE))
    layers = json.loads(meta.get("cnnlab.layers", "null"))
    if meta.get("cnnlab.input") != shape or layers != json.loads(LAYERS):
        raise ValueError(f"{path}: its model is not this one (export it again with cnnlab export)")
    state = {k: torch.from_numpy(v) for k, v in keras_to_torch(tensors).items()}
    net.load_state_dict(state)
    return {"class_names": class_names(meta), "mean": float(meta.get("cnnlab.scaling_mean", 0)),
            "std": float(meta.get("cnnlab.scaling_std", 1)), "metadata": meta}


def to_input(pixels, info=None):
    """(N, H, W, C) pixels 0..255 (or, without info, inputs already scaled) -> an NCHW float32
    tensor in channels_last memory: the NHWC array as is, with NCHW strides."""
    x = torch.as_tensor(np.asarray(pixels, dtype=np.float32))
    if info is not None:
        x = (x / 255.0 - info["mean"]) / info["std"]
    return x.permute(0, 3, 1, 2)


def save_state(net, path, metadata=None):
    """Saves net's state_dict (float32, on the CPU) for `cnnlab import --pytorch`."""
    net = getattr(net, "module", net)  # DistributedDataParallel / DataParallel wrap the model
    tensors = {k: v.detach().float().cpu().contiguous().numpy()
               for k, v in net.state_dict().items()}
    meta = {"format": "pt", "cnnlab.layout": "pytorch",
            "cnnlab.input": ",".join(map(str, INPUT_SHAPE)), "cnnlab.layers": LAYERS}
    meta.update(metadata or {})
    write_safetensors(path, tensors, meta)


def main(argv):
    """model.py WEIGHTS [--logits INPUTS] [--save-state OUT]: loads the lab's weights, prints the
    network, the logits for INPUTS' tensor "x" (N, H, W, C, already scaled), saves the state."""
    if len(argv) < 2 or torch is None:
        print(__doc__ if torch is not None else "model.py needs PyTorch (pip install torch)")
        return 2
    net = build_model().eval()
    info = load_cnnlab(net, argv[1])
    args = dict(zip(argv[2::2], argv[3::2]))
    if "--logits" in args:
        x, _ = read_safetensors(args["--logits"])
        with torch.no_grad():
            logits = net(to_input(x["x"]).contiguous(memory_format=torch.channels_last))
        for row in logits.double().numpy():
            print(" ".join(f"{v:.9g}" for v in row))
    else:
        print(net)
        print(f"classes: {info['class_names']}")
    if "--save-state" in args:
        save_state(net, args["--save-state"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
)PY";

void replace_all(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
}

// A preset name from a file goes into a docstring: keep it to characters that cannot end one.
std::string safe_name(const std::string& name) {
  std::string out;
  for (char ch : name)
    out += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ? ch : '?';
  return out.empty() ? "(no preset)" : out;
}

std::string model_py(const Model& m, const std::string& layers_json,
                     const std::vector<TorchModule>& mods) {
  std::string modules, params;
  for (size_t i = 0; i < mods.size(); ++i) {
    const TorchModule& t = mods[i];
    std::string line = "        " + t.code + ",";
    line += "  # " + std::to_string(i) + (t.comment.empty() ? "" : ": " + t.comment);
    modules += line + "\n";
    if (t.layer < 0) continue;
    params += "    (" + std::to_string(i) + ", \"" + m.layers()[t.layer].name + "\", ";
    params += t.conv ? "\"conv\", None),\n"
                     : "\"dense\", " + shape_text(t.flat_h, t.flat_w, t.flat_c) + "),\n";
  }
  if (!modules.empty()) modules.pop_back();
  if (!params.empty()) params.pop_back();
  std::string text = std::string(kModelPy).substr(1);  // the raw string starts with a newline
  replace_all(text, "@TITLE@",
              "the cnnlab model \"" + safe_name(m.preset_name) + "\" (" +
                  std::to_string(m.input_h()) + "x" + std::to_string(m.input_w()) + "x" +
                  std::to_string(m.input_c()) + " -> " + std::to_string(m.num_classes()) +
                  " classes)");
  replace_all(text, "@H@", std::to_string(m.input_h()));
  replace_all(text, "@W@", std::to_string(m.input_w()));
  replace_all(text, "@C@", std::to_string(m.input_c()));
  replace_all(text, "@CLASSES@", std::to_string(m.num_classes()));
  replace_all(text, "@LAYERS@", layers_json);
  replace_all(text, "@MODULES@", modules);
  replace_all(text, "@PARAMS@", params);
  return text;
}

//-----------------------------------------------------------------------------
// [SECTION] export
//-----------------------------------------------------------------------------
// The checkpoint, with what the views need (class names, scaling) checked as predict checks it.
LoadedModel load_checkpoint(const std::string& path) {
  LoadedModel lm = load_safetensors(path, 1, /*for_training=*/false);
  (void)read_checkpoint_info(lm.metadata, path, lm.model.num_classes());
  return lm;
}

int run_export(const std::string& load, const std::string& dir) {
  return guarded([&] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
      throw UserError(dir, "exists and is not a folder", "give --pytorch a folder (it is created)");
    fs::create_directories(dir, ec);
    if (ec) throw UserError(dir, "cannot create the folder: " + ec.message(), "check the path");
    const std::string py = (fs::path(dir) / "model.py").string();
    const std::string weights = (fs::path(dir) / "weights.safetensors").string();
    check_writable(py);
    check_writable(weights);
    LoadedModel lm = load_checkpoint(load);
    const std::string& layers = lm.metadata.at("cnnlab.layers");  // load_safetensors requires it
    if (layers.find_first_of("'\\\n") != std::string::npos)
      throw UserError(load, "its cnnlab.layers holds a quote, backslash or newline",
                      "re-save it from cnnlab");
    const std::vector<TorchModule> mods = torch_modules(lm.model, load);
    save_safetensors(weights, lm.model, lm.metadata);
    write_file_atomic(py, model_py(lm.model, layers, mods));
    std::printf("Wrote %s (an nn.Sequential of %zu modules) and %s (%s parameters, Keras shapes)\n",
                py.c_str(), mods.size(), weights.c_str(),
                with_commas(lm.model.num_params()).c_str());
    std::printf("In PyTorch: net = model.build_model(); info = model.load_cnnlab(net, \"%s\")\n",
                weights.c_str());
    std::printf(
        "Back here: model.save_state(net, \"trained.safetensors\"), then\n"
        "  cnnlab import --pytorch trained.safetensors --config %s --save back.safetensors\n",
        weights.c_str());
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] torch safetensors: a state_dict as model.py's save_state writes it (F32 tensors)
//-----------------------------------------------------------------------------
constexpr const char* kTorchHint =
    "save it with model.py's save_state(net, PATH) (float32 safetensors)";

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct TorchTensor {
  std::vector<long long> shape;
  uint64_t begin = 0, end = 0;  // within the data section
};

struct TorchFile {
  std::string path;
  std::unique_ptr<std::FILE, FileCloser> f;
  uint64_t data_start = 0;
  std::map<std::string, TorchTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// One tensor's header entry: F32, a shape whose size matches its byte range.
TorchTensor parse_tensor(const std::string& path, const std::string& name,
                         const nlohmann::json& j) {
  auto bad = [&](const std::string& why) {
    throw UserError(path, "tensor '" + name + "' " + why, kTorchHint);
  };
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    bad("lacks dtype, shape or data_offsets");
  if (j["dtype"] != "F32") bad("is " + j["dtype"].dump() + ", not F32");
  TorchTensor t;
  uint64_t count = 1;
  const nlohmann::json &shape = j["shape"], &off = j["data_offsets"];
  if (!shape.is_array() || shape.size() > 8) bad("has a bad shape");
  for (const nlohmann::json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > 0x7fffffff) bad("has a bad shape");
    t.shape.push_back(d.get<long long>());
    count = count <= (uint64_t(1) << 40) ? count * d.get<uint64_t>() : ~uint64_t(0);
  }
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    bad("has bad data_offsets");
  t.begin = off[0].get<uint64_t>(), t.end = off[1].get<uint64_t>();
  if (t.end < t.begin || count > (uint64_t(1) << 40) || count * 4 != t.end - t.begin)
    bad("has a byte range that does not fit its shape");
  return t;
}

// Reads the header and checks the layout: the tensors tile the data section exactly.
TorchFile open_torch_file(const std::string& path) {
  TorchFile tf;
  tf.path = path;
  const uint64_t size = check_regular_file(path, uint64_t(1) << 40);
  tf.f.reset(std::fopen(path.c_str(), "rb"));
  if (!tf.f) throw UserError(path, "cannot open it", "check the permissions");
  uint8_t len[8];
  uint64_t n = 0;
  if (size < 8 || std::fread(len, 1, 8, tf.f.get()) != 8)
    throw UserError(path, "too short for a safetensors file", kTorchHint);
  for (int i = 0; i < 8; ++i) n |= uint64_t(len[i]) << (8 * i);
  if (n < 2 || n > (uint64_t(100) << 20) || n > size - 8)
    throw UserError(path, "bad safetensors header length " + std::to_string(n) + " (truncated?)",
                    kTorchHint);
  std::string header(n, '\0');
  if (std::fread(header.data(), 1, n, tf.f.get()) != n)
    throw UserError(path, "cannot read the header");
  nlohmann::json root = nlohmann::json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) throw UserError(path, "the header is not a JSON object", kTorchHint);
  tf.data_start = 8 + n;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, j] : root.items()) {
    if (name == "__metadata__") {
      if (!j.is_object()) throw UserError(path, "__metadata__ is not an object", kTorchHint);
      for (auto& [k, v] : j.items())
        if (v.is_string()) tf.metadata[k] = v.get<std::string>();
      continue;
    }
    tf.tensors[name] = parse_tensor(path, name, j);
    ranges.emplace_back(tf.tensors[name].begin, tf.tensors[name].end);
  }
  std::sort(ranges.begin(), ranges.end());
  uint64_t at = 0;
  for (auto& [b, e] : ranges) {
    if (b != at) throw UserError(path, "its tensors overlap or leave gaps", kTorchHint);
    at = e;
  }
  if (at != size - tf.data_start)
    throw UserError(path,
                    "the tensors cover " + std::to_string(at) + " bytes of a " +
                        std::to_string(size - tf.data_start) + "-byte data section (truncated?)",
                    kTorchHint);
  return tf;
}

std::vector<float> read_torch_tensor(const TorchFile& tf, const std::string& name) {
  const TorchTensor& t = tf.tensors.at(name);
  std::vector<float> v((t.end - t.begin) / 4);
  if (fseeko(tf.f.get(), off_t(tf.data_start + t.begin), SEEK_SET) != 0 ||
      std::fread(v.data(), sizeof(float), v.size(), tf.f.get()) != v.size())
    throw UserError(tf.path, "cannot read tensor '" + name + "' (truncated?)", kTorchHint);
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw UserError(
          tf.path, "tensor '" + name + "' holds a non-finite value at index " + std::to_string(i),
          "the PyTorch run diverged; use an earlier state");
  return v;
}

//-----------------------------------------------------------------------------
// [SECTION] import: the inverse of model.py's keras_to_torch
//-----------------------------------------------------------------------------
std::string shape_list(const std::vector<long long>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// Every tensor the Sequential has, in its shape, and nothing else; a config the file names must be
// the config checkpoint's (save_state writes cnnlab.input and cnnlab.layers).
void check_torch_tensors(const TorchFile& tf, const std::vector<TorchModule>& mods,
                         const LoadedModel& cfg, const std::string& cfg_path) {
  for (const char* key : {"cnnlab.input", "cnnlab.layers"}) {
    auto it = tf.metadata.find(key);  // layer lists compare as JSON (spacing may differ)
    auto same = [&](const std::string& a, const std::string& b) {
      if (a == b) return true;
      auto ja = nlohmann::json::parse(a, nullptr, false),
           jb = nlohmann::json::parse(b, nullptr, false);
      return !ja.is_discarded() && ja == jb;
    };
    if (it != tf.metadata.end() && !same(it->second, cfg.metadata.at(key)))
      throw UserError(tf.path, std::string("its ") + key + " differs from " + cfg_path + "'s",
                      "give --config the checkpoint this model.py was exported from");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < mods.size(); ++i) {
    if (mods[i].layer < 0) continue;
    const std::vector<long long> w(mods[i].weight_shape.begin(), mods[i].weight_shape.end());
    const std::vector<long long> b{w[0]};
    for (auto& [suffix, shape] : {std::pair{".weight", w}, std::pair{".bias", b}}) {
      const std::string key = std::to_string(i) + suffix;
      auto it = tf.tensors.find(key);
      if (it == tf.tensors.end())
        throw UserError(tf.path, "no tensor '" + key + "' (" + mods[i].code + ")",
                        "the state_dict must come from this model.py's build_model()");
      if (it->second.shape != shape)
        throw UserError(tf.path,
                        "tensor '" + key + "' is " + shape_list(it->second.shape) + ", " +
                            mods[i].code + " needs " + shape_list(shape),
                        "give --config the checkpoint this model.py was exported from");
      keys.insert(key);
    }
  }
  for (auto& [name, t] : tf.tensors)
    if (!keys.count(name))
      throw UserError(tf.path, "unexpected tensor '" + name + "' for this model",
                      "the state_dict must come from this model.py's build_model()");
}

// Conv2d (Cout, Cin, KH, KW) -> Keras (KH, KW, Cin, Cout); Linear (Out, In in NCHW flatten order)
// -> Keras (In in NHWC flatten order, Out).
void torch_to_keras(float* k, const float* t, const TorchModule& m) {
  if (m.conv) {
    const int co_n = m.weight_shape[0], ci_n = m.weight_shape[1], kh_n = m.weight_shape[2],
              kw_n = m.weight_shape[3];
    for (int co = 0; co < co_n; ++co)
      for (int ci = 0; ci < ci_n; ++ci)
        for (int kh = 0; kh < kh_n; ++kh)
          for (int kw = 0; kw < kw_n; ++kw)
            k[((size_t(kh) * kw_n + kw) * ci_n + ci) * co_n + co] =
                t[((size_t(co) * ci_n + ci) * kh_n + kh) * kw_n + kw];
    return;
  }
  const size_t out_n = size_t(m.weight_shape[0]), in_n = size_t(m.weight_shape[1]);
  const int H = m.flat_h, W = m.flat_w, C = m.flat_c;
  for (size_t o = 0; o < out_n; ++o)
    for (int c = 0; c < C; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w)
          k[((size_t(h) * W + w) * C + c) * out_n + o] = t[o * in_n + (size_t(c) * H + h) * W + w];
}

struct ImportArgs {
  std::string pytorch, config, save;
};

int run_import(const ImportArgs& a) {
  return guarded([&] {
    check_writable(a.save);
    LoadedModel lm = load_checkpoint(a.config);
    const std::vector<TorchModule> mods = torch_modules(lm.model, a.config);
    TorchFile tf = open_torch_file(a.pytorch);
    check_torch_tensors(tf, mods, lm, a.config);
    std::vector<std::vector<float>> tensors;  // all read (and checked finite) before any is used
    for (size_t i = 0; i < mods.size(); ++i) {
      if (mods[i].layer < 0) continue;
      tensors.push_back(read_torch_tensor(tf, std::to_string(i) + ".weight"));
      tensors.push_back(read_torch_tensor(tf, std::to_string(i) + ".bias"));
    }
    size_t next = 0;
    for (const TorchModule& m : mods) {
      if (m.layer < 0) continue;
      torch_to_keras(lm.model.layer_weights(m.layer).data, tensors[next++].data(), m);
      const std::vector<float>& b = tensors[next++];
      std::copy(b.begin(), b.end(), lm.model.layer_bias(m.layer).data);
    }
    save_safetensors(a.save, lm.model, lm.metadata);
    std::printf("Imported %zu tensors from %s into %s (the model, class names and scaling of %s)\n",
                tensors.size(), a.pytorch.c_str(), a.save.c_str(), a.config.c_str());
    return 0;
  });
}

//-----------------------------------------------------------------------------
// [SECTION] logits (hidden; tests/app/export_pytorch_test.sh): predict's path, before the softmax
//-----------------------------------------------------------------------------
struct LogitsArgs {
  std::string load, inputs_out;
  std::vector<std::string> images;
};

// Writes the model inputs as one safetensors tensor "x" (N, H, W, C), for PyTorch to run on.
void write_inputs(const std::string& path, const std::vector<float>& x, int n, const Model& m) {
  nlohmann::ordered_json root;
  root["x"] = {{"dtype", "F32"},
               {"shape", {n, m.input_h(), m.input_w(), m.input_c()}},
               {"data_offsets", {0, x.size() * sizeof(float)}}};
  std::string header = root.dump();
  while (header.size() % 8 != 0) header += ' ';
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = char(uint64_t(header.size()) >> (8 * i));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(x.data()), x.size() * sizeof(float));
  write_file_atomic(path, bytes);
}

// One line per image: the path, then the last layer's outputs before its softmax ("%.9g").
int run_logits(const LogitsArgs& a) {
  return guarded([&] {
    LoadedModel lm = load_safetensors(a.load, 1, /*for_training=*/false);
    const CheckpointInfo info = read_checkpoint_info(lm.metadata, a.load, lm.model.num_classes());
    Model& m = lm.model;
    const int last = int(m.layers().size()) - 1, h = m.input_h(), w = m.input_w();
    const DenseShape s{1, int(m.layers()[last - 1].out_size()), m.num_classes(), Activation::None};
    std::vector<float> x(size_t(h) * w * 3), all, probs(s.out), logits(s.out);
    for (const std::string& path : a.images) {
      Image img = resize_rgb(decode_image_file(path), w, h);  // as predict prepares an image
      for (size_t i = 0; i < x.size(); ++i)
        x[i] = (img.pixels[i] / 255.0f - info.scaling.mean) / info.scaling.std;
      m.forward(x.data(), 1, probs.data());
      dense_forward(logits.data(), m.activation(last - 1), m.layer_weights(last).data,
                    m.layer_bias(last).data, s);
      std::printf("%s", path.c_str());
      for (float v : logits) std::printf(" %.9g", double(v));
      std::printf("\n");
      all.insert(all.end(), x.begin(), x.end());
    }
    if (!a.inputs_out.empty()) write_inputs(a.inputs_out, all, int(a.images.size()), m);
    return 0;
  });
}

}  // namespace

//-----------------------------------------------------------------------------
// [SECTION] registration
//-----------------------------------------------------------------------------
void register_export_commands(CLI::App& app, int& exit_code) {
  struct ExportArgs {
    std::string load, dir;
  };
  auto ea = std::make_shared<ExportArgs>();
  auto* ex = app.add_subcommand("export", "Write a checkpoint as a PyTorch model.py + weights");
  ex->add_option("--pytorch", ea->dir,
                 "Folder for model.py (an nn.Sequential) and weights.safetensors")
      ->required();
  ex->add_option("--load", ea->load, "Checkpoint (.safetensors) from `cnnlab train --save`")
      ->required();
  ex->callback([ea, &exit_code] { exit_code = run_export(ea->load, ea->dir); });

  auto ia = std::make_shared<ImportArgs>();
  auto* im =
      app.add_subcommand("import", "Bring a PyTorch state_dict (model.py's save_state) back");
  im->add_option("--pytorch", ia->pytorch,
                 "The state_dict as safetensors, from model.py's save_state")
      ->required();
  im->add_option("--config", ia->config,
                 "The checkpoint it was exported from (layers, class names, scaling)")
      ->required();
  im->add_option("--save", ia->save, "Checkpoint to write (.safetensors)")->required();
  im->callback([ia, &exit_code] { exit_code = run_import(*ia); });

  auto la = std::make_shared<LogitsArgs>();
  auto* lo = app.add_subcommand("logits", "Print the logits for images (tests)");
  lo->group("");  // hidden from --help
  lo->add_option("--load", la->load)->required();
  lo->add_option("--inputs-out", la->inputs_out, "Also write the model inputs (tensor x, NHWC)");
  lo->add_option("images", la->images)->required();
  lo->callback([la, &exit_code] { exit_code = run_logits(*la); });
}

}  // namespace cnnlab
