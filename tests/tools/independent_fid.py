#!/usr/bin/env python3
"""An MNIST judge that genai never saw: a classifier of another architecture than genai eval's LeNet, trained here
in the test tooling (Python PyTorch, not the product), and the Fréchet distance in its features.

    independent_fid.py --mnist data/mnist SAMPLES_IDX [SAMPLES_IDX ...] [--samples 2000] [--json OUT]

SAMPLES_IDX: an IDX image file of generated 28x28 digits (`genai sample --run R --format idx -n 2000 --out DIR`
writes DIR/train-images-idx3-ubyte). For each, it prints the held-out FID (its samples against the first N test
images), the real baseline (N training images against the same test images), their ratio, and what the classifier
says of the samples: classes covered, KL of the class histogram from uniform, share classified with p > 0.9.

The network (not LeNet's two 5x5 convolutions with max pooling and a fully connected head): five 3x3 convolutions
with BatchNorm, two of them strided, then global average pooling to 128 features and a linear classifier. It is
trained once per seed for 2 epochs (Adam, batch 128; about 99 % test accuracy) and cached next to the MNIST files.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import linalg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from genai_test_support import read_idx  # noqa: E402


def mnist_file(root, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(root, name)):
            return os.path.join(root, name)
    sys.exit(f"independent_fid: no {stem} in {root}; run scripts/get-data.sh mnist")


class Judge(nn.Module):
    def __init__(self):
        super().__init__()
        widths = [(1, 32, 1), (32, 32, 2), (32, 64, 1), (64, 64, 2), (64, 128, 1)]
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()) for i, o, s in widths])
        self.head = nn.Linear(128, 10)

    def features(self, x):
        return self.body(x).mean(dim=(2, 3))

    def forward(self, x):
        return self.head(self.features(x))


def as_input(images):
    return images.float().div(127.5).sub(1.0).unsqueeze(1)  # [-1, 1] like genai's data


def train_judge(train_x, train_y, seed, path):
    if os.path.exists(path):
        judge = Judge()
        judge.load_state_dict(torch.load(path))
        return judge.eval()
    torch.manual_seed(seed)
    judge = Judge()
    opt = torch.optim.Adam(judge.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(2):
        order = torch.randperm(len(train_x), generator=g)
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(judge(as_input(train_x[idx])), train_y[idx].long())
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"judge: epoch {epoch + 1} loss {loss.item():.4f}", file=sys.stderr)
    torch.save(judge.state_dict(), path)
    return judge.eval()


@torch.no_grad()
def features_and_probs(judge, images):
    feats, probs = [], []
    for i in range(0, len(images), 500):
        f = judge.features(as_input(images[i:i + 500]))
        feats.append(f.double())
        probs.append(F.softmax(judge.head(f), dim=1).double())
    return torch.cat(feats).numpy(), torch.cat(probs).numpy()


def frechet(a, b):
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root.real))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("samples_idx", nargs="+")
    parser.add_argument("--mnist", default="data/mnist")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="the judge's training seed")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    train_x, train_y = read_idx(mnist_file(args.mnist, "train-images-idx3-ubyte")), read_idx(mnist_file(args.mnist, "train-labels-idx1-ubyte"))
    test_x, test_y = read_idx(mnist_file(args.mnist, "t10k-images-idx3-ubyte")), read_idx(mnist_file(args.mnist, "t10k-labels-idx1-ubyte"))
    judge = train_judge(train_x, train_y, args.seed, os.path.join(args.mnist, f"independent-judge-seed{args.seed}.pt"))
    test_feats, test_probs = features_and_probs(judge, test_x)
    accuracy = float((test_probs.argmax(1) == test_y.numpy()).mean())
    n = args.samples
    reference = test_feats[:n]
    pick = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(1))[:n]
    real_feats, _ = features_and_probs(judge, train_x[pick])
    real_fid = frechet(real_feats, reference)
    print(f"judge: test accuracy {accuracy:.4f}; real baseline FID ({n} training vs {n} test images) {real_fid:.3f}")
    results = {"judge_test_accuracy": accuracy, "real_fid": real_fid, "samples": n, "runs": {}}
    for path in args.samples_idx:
        images = read_idx(path)
        if len(images) < n:
            sys.exit(f"independent_fid: {path} holds {len(images)} images; --samples asks for {n}")
        feats, probs = features_and_probs(judge, images[:n])
        fid = frechet(feats, reference)
        hist = np.bincount(probs.argmax(1), minlength=10) / n
        kl = float(sum(p * np.log(p * 10) for p in hist if p > 0))
        confident = float((probs.max(1) > 0.9).mean())
        row = {"fid": fid, "ratio": fid / real_fid, "classes": int((hist > 0).sum()), "kl": kl, "confident": confident}
        results["runs"][path] = row
        print(f"{path}: FID {fid:.3f} = {fid / real_fid:.2f}x real; classes {row['classes']}/10, KL {kl:.4f}, {100 * confident:.1f} % with p > 0.9")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
