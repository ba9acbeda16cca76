// app/cli_export_model_py.cpp — the model.py that `cnnlab export --pytorch` writes (Python, with
// @FIELDS@ that cli_export.cpp fills in): the nn.Sequential, the Keras -> PyTorch weight
// conversion, a numpy-only safetensors reader and writer, l2_penalty and save_state.
#include "app/export_model_py.h"

namespace cnnlab {

const char* export_model_py_template() {
  return R"PY(
#!/usr/bin/env python3
"""model.py — @TITLE@ as a PyTorch nn.Sequential
(written by `cnnlab export --pytorch`).

The lab's checkpoint (weights.safetensors next to this file) holds Keras shapes: conv kernels
(KH, KW, Cin, Cout), dense kernels (In, Out), and the inputs of layers after a Flatten in NHWC
flatten order (Keras is channels-last). PyTorch wants conv weights (Cout, Cin, KH, KW), linear
weights (Out, In) and flattens NCHW, so load_cnnlab() transposes the kernels and reorders the inputs
of the dense (and BatchNorm1d) layers after a Flatten once; after GlobalAveragePooling2D
(nn.AdaptiveAvgPool2d(1) + nn.Flatten()) there is nothing to reorder. The network then runs on NCHW
tensors, or on channels_last ones (to_input() makes those: the same tensor, NHWC in memory, often
faster on CPUs; net.to(memory_format=torch.channels_last) does the same for the weights).

The last layer returns logits: Keras's softmax lives in nn.CrossEntropyLoss in PyTorch.
net.eval() for inference: Dropout then passes everything and BatchNorm normalises with its running
statistics (the lab's moving mean and variance), as the lab's predict does; net.train() to train.

BatchNormalization: Keras's momentum m keeps m of the moving statistics each step, PyTorch's
momentum is the new batch's share, so it is 1 - m here (eps is the same). gamma, beta, moving mean
and moving variance load into weight, bias, running_mean and running_var. The lab, like Keras 3,
moves its variance towards the *biased* batch variance; PyTorch's training moves running_var
towards the *unbiased* one (n/(n-1) larger). Eval-mode logits match the lab's exactly either way;
further training in PyTorch drifts by that factor (small for big batches).

kernel_regularizer l2 (Keras) adds l2 * sum(w**2) of that kernel to the loss: add l2_penalty(net)
to your loss each step. It is not Adam's weight_decay (that adds l2 * w to the gradient, which Adam
then rescales; and AdamW decays the weights directly): neither matches Keras.
Regularised layers: @L2LIST@

To do in your data pipeline (torchvision.transforms v1, training only): Keras's preprocessing
layers are the identity at inference, so the Sequential holds nn.Identity() for them:
@AUGMENTS@

    import torch, model
    net = model.build_model()
    info = model.load_cnnlab(net, "weights.safetensors")  # {"class_names", "mean", "std"}
    logits = net.eval()(model.to_input(pixels, info))      # pixels: (N, H, W, 3), 0..255
    ...train on a GPU (net.cuda()) or across machines (DistributedDataParallel(net)), with
    loss = nn.functional.cross_entropy(net(x), y) + model.l2_penalty(net)...
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


class KerasAvgPool2d(nn.Module if nn is not None else object):
    """AveragePooling2D(padding="same") with Keras's uneven padding (left, right, top, bottom):
    padded cells are left out of each average, as in TF (nn.AvgPool2d pads both sides alike)."""

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        self.pool = nn.AvgPool2d(kernel_size, stride)
        self.padding = padding

    def forward(self, x):
        pad = nn.functional.pad
        ones = torch.ones_like(x[:1, :1])
        return self.pool(pad(x, self.padding)) / self.pool(pad(ones, self.padding))


def build_model():
    """The lab's layers in order; comments give each cnnlab layer and its output (H, W, C)."""
    return nn.Sequential(
@MODULES@
    )


# Parameterised modules: (index in the Sequential, cnnlab layer, kind, the (H, W, C) a dense or
# BatchNorm1d layer's inputs are flattened from: (1, 1, In) when no Flatten reorders them).
PARAMS = [
@PARAMS@
]
# Keras kernel_regularizer l2: (index in the Sequential, cnnlab layer, l2).
L2 = [
@L2@
]


def l2_penalty(net):
    """Keras's kernel_regularizer as a loss term: the sum of l2 * sum(w**2) over the regularised
    kernels (the lab adds it to the loss once per step, not divided by the batch size)."""
    net = getattr(net, "module", net)  # DistributedDataParallel / DataParallel wrap the model
    return sum((l2 * net[index].weight.pow(2).sum() for index, _, l2 in L2), torch.zeros(()))


def nhwc_to_nchw(v, flat):
    """Vector(s) along the last axis in NHWC flatten order (H, W, C) -> NCHW order."""
    h, w, c = flat
    return v.reshape(v.shape[:-1] + (h, w, c)).swapaxes(-1, -3).swapaxes(-1, -2).reshape(v.shape)


def keras_to_torch(tensors):
    """{cnnlab name: Keras-shaped array} -> {state_dict key: PyTorch-shaped array}."""
    state = {}
    for index, layer, kind, flat in PARAMS:
        if kind == "bn":  # gamma, beta, moving mean, moving variance (C,) each
            names = ["gamma", "beta", "moving_mean", "moving_variance"]
            keys = ["weight", "bias", "running_mean", "running_var"]
            for name, key in zip(names, keys):
                state[f"{index}.{key}"] = nhwc_to_nchw(tensors[f"{layer}/{name}"], flat)
            state[f"{index}.num_batches_tracked"] = np.array(0, dtype=np.int64)
            continue
        k, b = tensors[layer + "/kernel"], tensors[layer + "/bias"]
        if kind == "conv":  # (KH, KW, Cin, Cout) -> (Cout, Cin, KH, KW)
            w = k.transpose(3, 2, 0, 1)
        else:  # (H*W*C in NHWC order, Out) -> (Out, C*H*W in NCHW order)
            w = nhwc_to_nchw(k.T, flat)
        state[f"{index}.weight"] = w
        state[f"{index}.bias"] = b
    return {k: np.require(v, v.dtype if v.dtype == np.int64 else np.float32, "C")
            for k, v in state.items()}


def read_safetensors(path):
    """({name: array}, {metadata}) from a safetensors file (F32 tensors, and I64 ones such as
    BatchNorm's num_batches_tracked)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        tensors = {}
        for name, t in header.items():
            if name == "__metadata__":
                continue
            dtype = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}.get(t["dtype"])
            if dtype is None:
                raise ValueError(f"{path}: tensor {name} is {t['dtype']}, expected F32")
            begin, end = t["data_offsets"]
            f.seek(8 + n + begin)
            a = np.fromfile(f, dtype=dtype, count=(end - begin) // dtype.itemsize)
            tensors[name] = a.reshape(t["shape"]).astype(dtype.newbyteorder("="))
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors, metadata):
    """Writes {name: array} as safetensors (int64 arrays as I64, the rest as F32) with string
    metadata."""
    header, offset, arrays = {}, 0, []
    for name, a in tensors.items():
        is_int = np.asarray(a).dtype == np.int64
        a = np.require(a, "<i8" if is_int else "<f4", "C")  # keeps 0-d shapes, unlike ascontiguousarray
        header[name] = {"dtype": "I64" if is_int else "F32", "shape": list(a.shape),
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
    """Saves net's state_dict (float32 on the CPU; BatchNorm's num_batches_tracked stays int64)
    for `cnnlab import --pytorch`."""
    net = getattr(net, "module", net)  # DistributedDataParallel / DataParallel wrap the model
    tensors = {k: (v.detach().float() if v.is_floating_point() else v.detach().long())
               .cpu().contiguous().numpy() for k, v in net.state_dict().items()}
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
}

}  // namespace cnnlab
