"""genai generators in Python PyTorch.

    import genai_torch
    G = genai_torch.load_generator("generator.safetensors")  # written by `genai export`
    images = genai_torch.sample(G, 64, seed=0)               # [64, 1, 28, 28] in [-1, 1], as `genai sample --seed 0`

The modules rebuild each genai model kind (mlp, dcgan, cmlp, cdcgan) from the spec that `genai export`
stores in the file's metadata, with the same parameter names, so the weights load strictly. `sample`
draws the same noise (and, for conditional models, the same labels) as `genai sample` and
`genai sample --format idx` for a seed. Self-contained: needs torch and the standard library only;
copy this file next to your code.
"""
import json
import math
import struct

import torch
from torch import nn

__all__ = ["load_generator", "read_safetensors", "latents", "balanced_labels", "sample", "to_uint8"]

_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
           "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
_NOISE_CHUNK = 256  # genai draws noise in chunks of this many rows (models::generate_images)


def read_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = _DTYPES[entry["dtype"]]
        flat = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors, metadata


class MlpGenerator(nn.Module):
    """z -> hidden layers (Linear, BatchNorm1d unless g_norm is none, LeakyReLU 0.2) -> C x S x S (784) -> tanh."""

    def __init__(self, z_dim, hidden, batch_norm, shape=(1, 28, 28)):
        super().__init__()
        self.shape = tuple(shape)
        layers, width = [], z_dim
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.append(nn.LeakyReLU(0.2))
            width = h
        layers += [nn.Linear(width, self.shape[0] * self.shape[1] * self.shape[2]), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z):
        return self.body(z).view(-1, *self.shape)


def dcgan_layout(side, channels):
    """genai/models/dcgan.h's stages: the side halves down to a base of 4 or 7; the maps at side / 2^(i+1) have
    channels * 2^i of them, at most 8x."""
    base, stages = side, 0
    while base not in (4, 7) and base > 7 and base % 2 == 0:
        base, stages = base // 2, stages + 1
    if base not in (4, 7) or stages == 0:
        raise ValueError(f"no DCGAN for images of side {side}")
    return base, [channels * min(2 ** i, 8) for i in range(stages)]


class DcganGenerator(nn.Module):
    """z -> widths[-1] x base x base (BatchNorm, ReLU) -> transposed convs doubling the side (BatchNorm, ReLU) ->
    C x S x S, tanh. For 28x28: 2C x 7 x 7 -> C x 14 x 14 -> 1 x 28 x 28."""

    def __init__(self, z_dim, channels, shape=(1, 28, 28)):
        super().__init__()
        self.base, widths = dcgan_layout(shape[1], channels)
        self.deepest = widths[-1]
        self.project = nn.Linear(z_dim, self.deepest * self.base * self.base, bias=False)
        self.project_norm = nn.BatchNorm2d(self.deepest)
        layers = []
        for i in range(len(widths) - 1, 0, -1):
            layers += [nn.ConvTranspose2d(widths[i], widths[i - 1], 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(widths[i - 1]), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[0], shape[0], 4, stride=2, padding=1, bias=False), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)

    def forward(self, z):
        return self.upsample(torch.relu(self.project_norm(self.project(z).view(-1, self.deepest, self.base, self.base))))


class ConditionalGenerator(nn.Module):
    """A learned label embedding joined to z, then the unconditional generator of the same family."""

    def __init__(self, inner, classes, embedding_dim):
        super().__init__()
        self.inner = inner
        self.label_embedding = nn.Embedding(classes, embedding_dim)

    def forward(self, z, labels):
        return self.inner(torch.cat([z, self.label_embedding(labels)], 1))


class LatentCodeGenerator(nn.Module):
    """InfoGAN's categorical code (genai --info-codes K): code = floor(K * Phi(z[:, -1])), its learned embedding
    joined to z, then the unconditional generator of the same family. With `weighted` (genai --clusters K), the
    code is the k-means cluster, binned by the buffer code_edges (the clusters' cumulative frequencies)."""

    def __init__(self, inner, codes, embedding_dim, weighted=False):
        super().__init__()
        self.inner = inner
        self.codes = codes
        self.code_embedding = nn.Embedding(codes, embedding_dim)
        if weighted:
            self.register_buffer("code_edges", torch.arange(1, codes, dtype=torch.float64) / codes)
        else:
            self.code_edges = None

    def forward(self, z):
        code = latent_code(z, self.codes) if self.code_edges is None else weighted_latent_code(z, self.code_edges)
        return self.inner(torch.cat([z, self.code_embedding(code)], 1))


def _uniform(z):
    """The standard normal CDF of the noise rows' last entry, in double."""
    return torch.erfc(z[:, -1].double() * (-1.0 / math.sqrt(2.0))) * 0.5


def latent_code(z, codes):
    """genai's code of noise rows z: the standard normal CDF of the last entry, in double, binned into `codes`."""
    return (_uniform(z) * codes).floor().clamp(0, codes - 1).long()


def weighted_latent_code(z, edges):
    """genai's cluster of noise rows z: how many of the ascending `edges` lie at or below the CDF of the last entry."""
    return (_uniform(z).unsqueeze(1) >= edges.to(z.device, torch.float64).unsqueeze(0)).sum(1)


class Generator(nn.Module):
    """What load_generator returns: forward(z, labels=None) -> images [B, C, S, S] in [-1, 1] (spec["image_shape"]); `spec` is
    genai's model spec (kind, z_dim, classes, class_names, step, ema, ...)."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        kind = spec["kind"]
        conditional = kind in ("cmlp", "cdcgan")
        clusters = spec.get("clusters", 0)
        codes = spec.get("info_codes", 0) or clusters
        z_in = spec["z_dim"] + (spec["label_embedding_dim"] if conditional or codes else 0)
        shape = spec.get("image_shape", [1, 28, 28])
        if kind in ("mlp", "cmlp"):
            net = MlpGenerator(z_in, spec["g_hidden"], spec["g_norm"] == "batch", shape)
        elif kind in ("dcgan", "cdcgan"):
            net = DcganGenerator(z_in, spec["dcgan_channels"], shape)
        else:
            raise ValueError(f"unknown genai model kind {kind!r}; this genai_torch.py knows mlp, dcgan, cmlp and cdcgan")
        if conditional:
            net = ConditionalGenerator(net, spec["classes"], spec["label_embedding_dim"])
        elif codes:
            net = LatentCodeGenerator(net, codes, spec["label_embedding_dim"], weighted=clusters > 0)
        self.net = net

    @property
    def z_dim(self):
        return self.spec["z_dim"]

    @property
    def classes(self):
        return self.spec["classes"]  # 0: unconditional

    def forward(self, z, labels=None):
        if self.classes:
            if labels is None:
                raise ValueError(f"this {self.spec['kind']} generator is conditional: pass labels (class indices 0..{self.classes - 1})")
            return self.net(z, labels)
        return self.net(z)


def load_generator(path, device="cpu"):
    """The generator in a `genai export` file, in eval mode (BatchNorm running statistics), on `device`."""
    tensors, metadata = read_safetensors(path)
    if "genai" not in metadata:
        raise ValueError(f"{path}: no genai model spec in the metadata; write the file with `genai export`")
    spec = json.loads(metadata["genai"])
    if spec.get("format") != "genai-generator" or spec.get("format_version") != 1:
        raise ValueError(f"{path}: genai export format {spec.get('format')!r} version {spec.get('format_version')!r}; "
                         "this genai_torch.py reads version 1")
    generator = Generator(spec)
    generator.net.load_state_dict(tensors, strict=True)
    return generator.to(device).eval()


def latents(count, z_dim, seed=0):
    """genai's noise for a seed: N(0, 1) rows from a CPU torch.Generator seeded with `seed`, drawn in chunks of 256."""
    rng = torch.Generator().manual_seed(seed)
    return torch.cat([torch.randn(min(_NOISE_CHUNK, count - done), z_dim, generator=rng) for done in range(0, count, _NOISE_CHUNK)])


def balanced_labels(count, classes, only_class=None):
    """genai's labels for conditional sampling: 0, 1, ..., classes-1, 0, 1, ... (or all `only_class`)."""
    if only_class is not None:
        return torch.full((count,), only_class, dtype=torch.int64)
    return torch.arange(count, dtype=torch.int64) % classes


@torch.no_grad()
def sample(generator, count=64, seed=0, labels=None, only_class=None):
    """`count` images [count, 1, 28, 28] in [-1, 1] on the CPU: what `genai sample --seed SEED` draws."""
    device = next(generator.parameters()).device
    z = latents(count, generator.z_dim, seed)
    if generator.classes and labels is None:
        labels = balanced_labels(count, generator.classes, only_class)
    chunks = []
    for done in range(0, count, _NOISE_CHUNK):
        part = slice(done, min(count, done + _NOISE_CHUNK))
        chunk_labels = labels[part].to(device) if labels is not None else None
        chunks.append(generator(z[part].to(device), chunk_labels).cpu())
    return torch.cat(chunks)


def to_uint8(images):
    """[-1, 1] -> 0..255 as genai's PNG and IDX files: round((v + 1) * 127.5), clamped."""
    return images.add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8)
