#!/usr/bin/python3
"""bench/torch_reference.py — an independent reference for cnnlab's training step: the tiny preset in
PyTorch (Debian's python3-torch), float64, from the initial weights in a cnnlab safetensors checkpoint,
10 Adam steps on the batches of tests/train/reference_batches.h; writes the per-step losses and the
final logits to tests/train/golden/tiny_torch_reference.txt, which tests/train/test_torch_reference.cpp
compares with cnnlab to 1e-4 relative. The C++ test never needs torch.

Regenerate (from the repository root, after a build):
  CNNLAB_WRITE_REFERENCE_INIT=$PWD/tests/train/golden/tiny_init.safetensors \\
      build/tests/test_train -tc='*PyTorch*'          # only if the starting weights should change
  /usr/bin/python3 bench/torch_reference.py         # rewrites the golden file

The model, in Keras's vocabulary (input 16x16x3, NHWC): Conv2D(4, 3, same, relu) -> MaxPooling2D(2) ->
Flatten -> Dense(3, softmax). The checkpoint holds Keras shapes: conv kernels HWIO (3,3,3,4), dense kernels
(in, out) with `in` in NHWC flatten order; torch convolves NCHW with OIHW kernels, so the script permutes
the kernel and flattens after permuting back to NHWC.

Adam is written out in Keras's form rather than taken from torch.optim.Adam:
  lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t);  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
  w -= lr_t * m / (sqrt(v) + eps)                           (Keras: eps outside the bias correction)
torch.optim.Adam divides by (sqrt(v) / sqrt(1 - b2^t) + eps) instead, i.e. Keras's eps equals torch's
eps * sqrt(1 - b2^t): the two agree only approximately. The script also runs torch.optim.Adam(eps=1e-7) and
a float32 copy and prints how far each lands from the reference (recorded in the golden file's header).
"""
import argparse
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE, CHANNELS, CLASSES, SAMPLES, STEPS, BATCH = 16, 3, 3, 18, 10, 6
LR, BETA1, BETA2, EPS = 0.001, 0.9, 0.999, 1e-7  # Keras defaults


def read_safetensors(path):
    """{name: float32 ndarray in the file's (Keras) shape} from a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", f"{path}: {name} is {t['dtype']}, expected F32"
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype="<f4").reshape(t["shape"]).copy()
    return out, header.get("__metadata__", {})


def ref_hash(x):
    """lowbias32, as ref_hash in tests/train/reference_batches.h."""
    x &= 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    x ^= x >> 16
    return x


def reference_batches():
    """x (18, 16, 16, 3) float32 and y (18,), bit-identical to reference_batches() in C++."""
    per = SIZE * SIZE * CHANNELS
    y = np.arange(SAMPLES) % CLASSES
    x = np.empty((SAMPLES, per), dtype=np.float32)
    for i in range(SAMPLES):
        for k in range(per):
            v = (float(ref_hash(i * per + k) % 2001) - 1000.0) / 1000.0
            x[i, k] = np.float32(v + (0.5 if k % CHANNELS == y[i] else 0.0))
    return x.reshape(SAMPLES, SIZE, SIZE, CHANNELS), y


def logits_of(p, x):
    """x (N, H, W, C) -> logits (N, classes): the tiny preset, Keras semantics."""
    h = x.permute(0, 3, 1, 2)                                   # NHWC -> NCHW
    h = F.conv2d(h, p["conv2d/kernel"].permute(3, 2, 0, 1),     # HWIO -> OIHW
                 p["conv2d/bias"], padding=1)                   # 'same' for 3x3, stride 1
    h = F.max_pool2d(F.relu(h), 2)
    h = h.permute(0, 2, 3, 1).reshape(x.shape[0], -1)           # Keras Flatten: NHWC order
    return h @ p["dense/kernel"] + p["dense/bias"]


def run(weights, x, y, dtype, torch_adam=False):
    """10 steps; returns (losses, final logits of all samples)."""
    p = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in weights.items()}
    xs, ys = torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=torch.long)
    m = {k: torch.zeros_like(v) for k, v in p.items()}
    v2 = {k: torch.zeros_like(v) for k, v in p.items()}
    opt = torch.optim.Adam(p.values(), lr=LR, betas=(BETA1, BETA2), eps=EPS) if torch_adam else None
    losses = []
    for s in range(STEPS):
        first, n = (s % 3) * BATCH, 4 if s == STEPS - 1 else BATCH
        for t in p.values():
            t.grad = None
        loss = F.cross_entropy(logits_of(p, xs[first:first + n]), ys[first:first + n])  # sparse CE, mean
        loss.backward()
        losses.append(loss.item())
        if opt:
            opt.step()
            continue
        t = s + 1
        lr_t = LR * math.sqrt(1 - BETA2 ** t) / (1 - BETA1 ** t)
        with torch.no_grad():
            for k, w in p.items():
                g = w.grad
                m[k].mul_(BETA1).add_(g, alpha=1 - BETA1)
                v2[k].mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
                w.sub_(lr_t * m[k] / (v2[k].sqrt() + EPS))
    with torch.no_grad():
        return losses, logits_of(p, xs).double().numpy()


def max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--init", default=os.path.join(ROOT, "tests/train/golden/tiny_init.safetensors"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/train/golden/tiny_torch_reference.txt"))
    a = ap.parse_args()
    weights, meta = read_safetensors(a.init)
    assert meta.get("cnnlab.input") == "16,16,3", f"{a.init}: not a 16x16x3 model ({meta.get('cnnlab.input')})"
    assert sorted(weights) == ["conv2d/bias", "conv2d/kernel", "dense/bias", "dense/kernel"], sorted(weights)
    x, y = reference_batches()
    losses, logits = run(weights, x, y, torch.float64)
    l32, z32 = run(weights, x, y, torch.float32)
    lta, _ = run(weights, x, y, torch.float64, torch_adam=True)
    note32 = f"float32 torch vs this: losses {max_rel(l32, losses):.1e}, logits {max_rel(z32, logits):.1e} max relative"
    notet = f"torch.optim.Adam(eps=1e-7) vs Keras-form Adam: losses {max_rel(lta, losses):.1e} max relative"
    print(note32)
    print(notet)
    with open(a.out, "w") as f:
        f.write("# tests/train/golden/tiny_torch_reference.txt — written by bench/torch_reference.py; do not edit.\n")
        f.write(f"# torch {torch.__version__}, float64; tiny preset 16x16x3, 3 classes, from {os.path.basename(a.init)};\n")
        f.write("# Keras-form Adam lr 0.001, b1 0.9, b2 0.999, eps 1e-7; sparse categorical cross-entropy (mean).\n")
        f.write(f"# {note32}\n# {notet}\n")
        f.write("# loss STEP VALUE (mean loss of that step's batch, before its update)\n")
        for s, l in enumerate(losses):
            f.write(f"loss {s + 1} {l:.17g}\n")
        f.write("# logits SAMPLE Z0 Z1 Z2 (all 18 samples after the 10th step)\n")
        for i, z in enumerate(logits):
            f.write(f"logits {i} " + " ".join(f"{v:.17g}" for v in z) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
