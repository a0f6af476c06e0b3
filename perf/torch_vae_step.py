#!/usr/bin/env python3
"""PyTorch comparison baseline for the IlgpuAe benchmarks: one Adam training step of the 784-400-20 VAE.

NOT RUN IN THIS REPOSITORY'S CI OR ON THE DEVELOPMENT MACHINE: it needs PyTorch, which is a comparison
baseline only and never a dependency of the engine. It was written on a machine without PyTorch and without a
GPU, so no figure in perf/RESULTS.md comes from it yet. Run it beside `ilgpu-ae bench` (or the BenchmarkDotNet
suite) in the same session on the same machine, and record both with the machine, date and load. On the CPU,
perf/compare-torch.sh does this in one process (libtorch through TorchSharp, same weights, every model): use it there;
this script is for a CUDA host with PyTorch.

Recipe (the issue's): x [B, 784] in [0, 1]; encoder 784 -> 400 (ReLU) -> (mu, logvar) 20 + 20; z = mu +
exp(logvar / 2) * eps; decoder 20 -> 400 (ReLU) -> 784 logits; loss per image = BCE-with-logits summed over
pixels + KL(N(mu, sigma^2) || N(0, I)), averaged over the batch; Adam(lr 1e-3). A step is: upload the batch,
forward, backward, optimizer step, synchronised (CUDA) before the clock stops.

    python3 perf/torch_vae_step.py --device cuda --batch 128 1024
    python3 perf/torch_vae_step.py --device cpu --threads 2 --batch 128 1024
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Vae(nn.Module):
    def __init__(self, features=784, hidden=400, latent=20):
        super().__init__()
        self.enc = nn.Linear(features, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec1 = nn.Linear(latent, hidden)
        self.dec2 = nn.Linear(hidden, features)

    def forward(self, x):
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.dec2(F.relu(self.dec1(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
        return rec + kl


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(device, batch, steps, warmup):
    torch.manual_seed(1)
    model = Vae().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    host = torch.rand(batch, 784)  # pixel-like values in [0, 1]; the step's cost does not depend on them
    times = []
    for i in range(warmup + steps):
        sync(device)
        start = time.perf_counter()
        x = host.to(device, non_blocking=False)
        opt.zero_grad(set_to_none=True)
        loss = model(x)
        loss.backward()
        opt.step()
        sync(device)
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--batch", type=int, nargs="+", default=[128, 1024])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (CPU); 0 leaves the default")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__} on {name}; vae 784-400-20 Adam step, median of {args.steps} after {args.warmup} warm-up")
    print(f"{'batch':>6} {'median ms':>10} {'min ms':>8}")
    for b in args.batch:
        med, best = time_steps(device, b, args.steps, args.warmup)
        print(f"{b:>6} {med:>10.3f} {best:>8.3f}")


if __name__ == "__main__":
    main()
