#!/usr/bin/python3
"""bench/torch_peer.py — the same course model in PyTorch (Debian's python3-torch), timed the same way
as bench_model: one warm-up step (untimed), then one epoch of 360 train samples at batch 32 plus a
forward pass over 40 validation samples. Prints `RESULT s_per_epoch=... forward_backward_s=...`."""
import argparse
import resource
import time

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--image-size", type=int, default=299)
p.add_argument("--train", type=int, default=360)
p.add_argument("--val", type=int, default=40)
p.add_argument("--batch", type=int, default=32)
a = p.parse_args()

# Denormals flushed to zero, as TensorFlow (Keras) and cnnlab compute: on this model unflushed
# denormals (tiny gradients, Adam's second moments) cost 10-15% of an epoch and a stalled step.
torch.set_flush_denormal(True)
torch.set_num_threads(a.threads)  # defaults to 1 here: set it explicitly (PERF-NOTES)
torch.manual_seed(42)
s = a.image_size
flat = 64 * (s // 2 // 2) ** 2
model = nn.Sequential(
    nn.Conv2d(3, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(flat, 1000), nn.ReLU(), nn.Linear(1000, 100), nn.ReLU(),
    nn.Linear(100, 5)).to(memory_format=torch.channels_last)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(a.batch, 3, s, s).to(memory_format=torch.channels_last)
y = torch.randint(0, 5, (a.batch,))
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
      f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)

def step(n):
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x[:n]), y[:n])
    loss.backward()
    opt.step()

step(a.batch)  # warm-up: allocates optimizer state
t0 = time.perf_counter()
for done in range(0, a.train, a.batch):
    step(min(a.batch, a.train - done))
t1 = time.perf_counter()
with torch.no_grad():
    for done in range(0, a.val, a.batch):
        model(x[:min(a.batch, a.val - done)])
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(f"RESULT s_per_epoch={t2 - t0:.2f} train_s={t1 - t0:.2f} val_s={t2 - t1:.2f} "
      f"peak_rss={rss / 1e9:.2f} GB", flush=True)
