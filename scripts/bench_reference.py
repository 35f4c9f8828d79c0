#!/usr/bin/python3
"""The Python PyTorch eager reference for `genai bench`.

The same models, losses, optimizer settings and data path as genai's training step, written the way a
PyTorch user would: one G forward per step whose output serves the D step (detached) and the G step,
BCE-with-logits, Adam(lr 2e-4, betas (0.5, 0.999)) per network, gradients set to None, the dataset
resident as one tensor, batches by index_select over a per-epoch permutation. Timing as in genai:
warm-up excluded, median of several windows. Runs under Debian's python3-torch 1.13 (the LibTorch of genai's
Debian build: same kernels, only the framework differs) and under the pinned 2.x wheel's Python (the venv of
scripts/torch-wheel.sh), where two of 2.x's speed-ups can be switched on:
  --fused-adam   torch.optim.Adam(fused=True): one fused kernel per optimizer step (CPU support since 2.4)
  --compile      torch.compile of G and D (TorchInductor); the compile time is reported apart, as
                 compile_s, and the warm-up and the timed windows start after it
  --lockstep     take turns with other benchmark processes (scripts/bench_lockstep.py), as `genai bench
                 --lockstep`: wait for a line on stdin before the warm-up and each window, print a JSON line after each

Prints one JSON object.
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp_models(z_dim, g_hidden, d_hidden, g_norm, shape):
    values = shape[0] * shape[1] * shape[2]
    g_layers, width = [], z_dim
    for h in g_hidden:
        g_layers.append(nn.Linear(width, h))
        if g_norm == "batch":
            g_layers.append(nn.BatchNorm1d(h))
        g_layers.append(nn.LeakyReLU(0.2))
        width = h
    g_layers += [nn.Linear(width, values), nn.Tanh()]
    d_layers, width = [nn.Flatten()], values
    for h in d_hidden:
        d_layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
        width = h
    d_layers.append(nn.Linear(width, 1))

    class G(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*g_layers)

        def forward(self, z):
            return self.body(z).view(-1, *shape)

    return G(), nn.Sequential(*d_layers)


def dcgan_layout(side, c):
    """genai's DCGAN stages (genai/models/dcgan.h): the side halves down to 4 or 7, C channels at half the side,
    doubling per halving up to 8C. 28x28: 7x7 maps of 2C, then 14x14 of C."""
    base, stages = side, 0
    while base not in (4, 7) and base > 7 and base % 2 == 0:
        base, stages = base // 2, stages + 1
    assert base in (4, 7) and stages > 0, f"no DCGAN for side {side}"
    return base, [c * min(2 ** i, 8) for i in range(stages)]


class DcganG(nn.Module):
    def __init__(self, z_dim, c, shape):
        super().__init__()
        self.base, widths = dcgan_layout(shape[1], c)
        self.deepest = widths[-1]
        self.project = nn.Linear(z_dim, self.deepest * self.base * self.base, bias=False)
        self.project_norm = nn.BatchNorm2d(self.deepest)
        layers = []
        for i in range(len(widths) - 1, 0, -1):
            layers += [nn.ConvTranspose2d(widths[i], widths[i - 1], 4, 2, 1, bias=False), nn.BatchNorm2d(widths[i - 1]), nn.ReLU()]
        self.upsample = nn.Sequential(*layers, nn.ConvTranspose2d(widths[0], shape[0], 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.upsample(F.relu(self.project_norm(self.project(z).view(-1, self.deepest, self.base, self.base))))


def dcgan_models(z_dim, c, shape):
    base, widths = dcgan_layout(shape[1], c)
    layers = [nn.Conv2d(shape[0], widths[0], 4, 2, 1), nn.LeakyReLU(0.2)]
    for i in range(1, len(widths)):
        layers += [nn.Conv2d(widths[i - 1], widths[i], 4, 2, 1, bias=False), nn.BatchNorm2d(widths[i]), nn.LeakyReLU(0.2)]
    d = nn.Sequential(*layers, nn.Flatten(), nn.Linear(widths[-1] * base * base, 1))
    g = DcganG(z_dim, c, shape)
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return g, d


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "dcgan"], required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--g-norm", default="")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--fused-adam", action="store_true")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--lockstep", action="store_true")
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N (each window ends with a synchronize)")
    args = parser.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def wait_turn():
        if args.lockstep and not sys.stdin.readline():
            sys.exit("bench_reference: --lockstep: standard input closed before this benchmark's turn")

    def turn_done(window, it_per_s):
        if args.lockstep:
            print(json.dumps({"lockstep": "warmup" if window < 0 else "window", "window": window, "it_per_s": it_per_s}), flush=True)

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    z_dim, batch = 100, args.batch_size
    shape = (args.channels, args.image_size, args.image_size)
    g_norm = args.g_norm or ("none" if batch == 1 else "batch")
    if args.model == "mlp":
        G, D = mlp_models(z_dim, [256, 128, 64], [256, 128], g_norm, shape)
    else:
        G, D = dcgan_models(z_dim, 64, shape)
    G, D = G.to(device), D.to(device)
    adam = {"lr": 2e-4, "betas": (0.5, 0.999)}
    if args.fused_adam:
        adam["fused"] = True  # raises where this torch has no fused kernel for the device
    opt_g = torch.optim.Adam(G.parameters(), **adam)
    opt_d = torch.optim.Adam(D.parameters(), **adam)
    if args.compile:
        G, D = torch.compile(G), torch.compile(D)
    n = max(4096, 4 * batch)
    data = torch.rand(n, *shape, device=device) * 2 - 1
    ones, zeros = torch.ones(batch, device=device), torch.zeros(batch, device=device)
    state = {"order": torch.randperm(n, device=device), "position": 0}

    def next_batch():
        if state["position"] + batch > n:
            state["order"], state["position"] = torch.randperm(n, device=device), 0
        idx = state["order"][state["position"]:state["position"] + batch]
        state["position"] += batch
        return data.index_select(0, idx)

    def step():
        real = next_batch()
        fake = G(torch.randn(batch, z_dim, device=device))
        d_loss = (F.binary_cross_entropy_with_logits(D(real).view(-1), ones)
                  + F.binary_cross_entropy_with_logits(D(fake.detach()).view(-1), zeros))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.binary_cross_entropy_with_logits(D(fake).view(-1), ones)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()

    compile_s = None
    if args.compile:  # the first step compiles every graph (G, D on real, detached and attached fakes, backward)
        start = time.perf_counter()
        for _ in range(2):
            step()
        sync()
        compile_s = time.perf_counter() - start
    wait_turn()
    start, warmup_steps = time.perf_counter(), 0
    while warmup_steps < 3 or time.perf_counter() - start < args.warmup:
        step()
        warmup_steps += 1
    sync()
    rate = warmup_steps / (time.perf_counter() - start)
    turn_done(-1, rate)
    steps = max(1, int(rate * args.seconds + 0.5))
    windows = []
    for w in range(args.windows):
        wait_turn()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        windows.append(steps / (time.perf_counter() - start))
        turn_done(w, windows[-1])
    it_per_s = statistics.median(windows)
    print(json.dumps({
        "torch": torch.__version__, "device": str(device), "fused_adam": args.fused_adam, "compile": args.compile, "compile_s": compile_s and round(compile_s, 1),
        "model": args.model, "image_shape": list(shape), "g_norm": g_norm if args.model == "mlp" else "-", "batch_size": batch,
        "threads": torch.get_num_threads(), "it_per_s": round(it_per_s, 3), "img_per_s": round(it_per_s * batch, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "steps_per_window": steps, "window_it_per_s": [round(w, 3) for w in windows]}))


if __name__ == "__main__":
    main()
