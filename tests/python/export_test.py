"""genai export -> safetensors -> scripts/genai_torch.py in Python PyTorch: the same images as genai sample."""
import json
import os
import random
import struct
import unittest
import zlib

import torch
from safetensors import safe_open
from safetensors.torch import load_file

import genai_torch
from genai_test_support import TempDirTest, genai, read_idx

TRAIN = ["train", "--data", "tiny", "--device", "cpu", "--threads", "1", "--batch-size", "16", "--steps", "12", "--log-every", "6"]
MODELS = {  # small sizes: the test is about equal computation, not quality
    "mlp": ["--g-hidden", "32,16", "--d-hidden", "32"],
    "mlp-nonorm": ["--model", "mlp", "--g-hidden", "24", "--d-hidden", "16", "--g-norm", "none"],
    # DCGAN's N(0, 0.02) initial weights draw flat gray: a higher G learning rate gives images to compare
    "dcgan": ["--model", "dcgan", "--dcgan-channels", "8", "--steps", "40", "--lr-g", "2e-3"],
    "dcgan-clusters": ["--model", "dcgan", "--dcgan-channels", "8", "--steps", "40", "--lr-g", "2e-3", "--clusters", "3"],
    "dcgan-info": ["--model", "dcgan", "--dcgan-channels", "8", "--steps", "40", "--lr-g", "2e-3", "--info-codes", "10"],
    "cmlp": ["--model", "cmlp", "--g-hidden", "32,16", "--d-hidden", "32", "--ema-decay", "0.9"],
    "cdcgan": ["--model", "cdcgan", "--dcgan-channels", "8", "--steps", "40", "--lr-g", "2e-3", "--ema-decay", "0.9"],
}
COUNT, SEED = 300, 7  # more than genai's noise chunk of 256
# The two LibTorch builds may compute a pixel a hair apart and round it to the neighbouring gray level, rarely;
# a real difference (a 1 % scale error in one layer) moves 0.6 % of the pixels or more.
MAX_LEVELS, MAX_FRACTION_OFF = 1, 0.0005


class ExportToPython(TempDirTest):
    def export_and_compare(self, name, *export_flags):
        run = f"run-{name}"
        if not os.path.isdir(os.path.join(self.dir, run)):
            genai(self.dir, *TRAIN, *MODELS[name], "--out", run)
        suffix = "-raw" if export_flags else ""
        path = os.path.join(self.dir, f"{name}{suffix}.safetensors")
        genai(self.dir, "export", "--run", run, "--out", path, *export_flags)
        generator = genai_torch.load_generator(path)

        # The reference reader agrees on names, shapes and values.
        reference = load_file(path)
        ours, metadata = genai_torch.read_safetensors(path)
        self.assertEqual(sorted(reference), sorted(ours))
        for key, tensor in reference.items():
            self.assertTrue(torch.equal(tensor, ours[key]), key)
        with safe_open(path, "pt") as f:
            self.assertEqual(f.metadata(), metadata)
        spec = json.loads(metadata["genai"])
        self.assertEqual(metadata["format"], "pt")

        samples = os.path.join(self.dir, f"idx-{name}{suffix}")
        genai(self.dir, "sample", "--run", run, "--device", "cpu", "--format", "idx", "--count", str(COUNT), "--seed", str(SEED),
              "--out", samples, *export_flags)
        expected = read_idx(os.path.join(samples, "train-images-idx3-ubyte"))
        got = genai_torch.to_uint8(genai_torch.sample(generator, COUNT, seed=SEED)).squeeze(1)
        if generator.classes:
            labels = read_idx(os.path.join(samples, "train-labels-idx1-ubyte"))
            self.assertTrue(torch.equal(labels.long(), genai_torch.balanced_labels(COUNT, generator.classes)))
        difference = (got.int() - expected.int()).abs()
        print(f"  {name}{suffix:4s} ({spec['kind']}, ema {spec['ema']}): {len(reference)} tensors; {COUNT} images "
              f"(pixel std {expected.float().std().item():.1f} levels): "
              f"largest pixel difference {difference.max().item()}/255, {(difference > 0).float().mean().item() * 100:.3f} % of pixels differ")
        self.assertGreater(expected.float().std().item(), 10, "the images are too uniform to tell generators apart")
        self.assertLessEqual(difference.max().item(), MAX_LEVELS)
        self.assertLessEqual((difference > 0).float().mean().item(), MAX_FRACTION_OFF)
        return spec, ours

    def test_mlp(self):
        spec, _ = self.export_and_compare("mlp")
        self.assertEqual((spec["kind"], spec["z_dim"], spec["g_hidden"], spec["classes"], spec["ema"]), ("mlp", 100, [32, 16], 0, True))  # the mlp default keeps an EMA G

    def test_mlp_without_batch_norm(self):
        spec, _ = self.export_and_compare("mlp-nonorm")
        self.assertEqual(spec["g_norm"], "none")

    def test_dcgan(self):
        spec, _ = self.export_and_compare("dcgan")
        self.assertEqual((spec["kind"], spec["dcgan_channels"]), ("dcgan", 8))

    def test_dcgan_with_info_codes(self):
        spec, ours = self.export_and_compare("dcgan-info")
        self.assertEqual((spec["kind"], spec["classes"], spec["info_codes"]), ("dcgan", 0, 10))
        self.assertEqual(tuple(ours["code_embedding.weight"].shape), (10, spec["label_embedding_dim"]))

    def test_dcgan_with_clusters(self):
        spec, ours = self.export_and_compare("dcgan-clusters")
        self.assertEqual((spec["kind"], spec["classes"], spec["clusters"]), ("dcgan", 0, 3))
        edges = ours["code_edges"]
        # The clusters' cumulative frequencies, strictly inside (0, 1) and rising: not the equal split it starts from.
        self.assertEqual(tuple(edges.shape), (2,))
        self.assertTrue(0 < edges[0] < edges[1] < 1, edges)
        self.assertFalse(torch.allclose(edges, torch.tensor([1 / 3, 2 / 3], dtype=torch.float64)), edges)

    def test_cmlp_with_and_without_ema(self):
        spec, ema = self.export_and_compare("cmlp")
        self.assertEqual((spec["kind"], spec["classes"], spec["ema"]), ("cmlp", 10, True))
        raw_spec, raw = self.export_and_compare("cmlp", "--no-ema")
        self.assertFalse(raw_spec["ema"])
        self.assertFalse(torch.equal(ema["label_embedding.weight"], raw["label_embedding.weight"]))

    def test_cdcgan(self):
        spec, _ = self.export_and_compare("cdcgan")
        self.assertEqual((spec["kind"], spec["classes"], spec["ema"]), ("cdcgan", 10, True))

    def test_a_conditional_generator_asks_for_labels(self):
        with self.assertRaisesRegex(ValueError, "conditional: pass labels"):
            path = os.path.join(self.dir, "cond.safetensors")
            genai(self.dir, *TRAIN, *MODELS["cmlp"], "--steps", "2", "--out", "run-cond")
            genai(self.dir, "export", "--run", "run-cond", "--out", path)
            generator = genai_torch.load_generator(path)
            generator(torch.zeros(1, generator.z_dim))


def read_png(path):
    """The pixels of an 8-bit, non-interlaced PNG as [C, H, W] uint8 (what genai writes; stdlib zlib only)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    at, idat, width = 8, b"", 0
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + size]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
            assert depth == 8, path
        elif kind == b"IDAT":
            idat += body
        at += 12 + size
    raw, stride, rows, previous = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return torch.frombuffer(bytearray(b"".join(rows)), dtype=torch.uint8).reshape(height, width, channels).permute(2, 0, 1)


class RgbExportToPython(TempDirTest):
    def test_rgb_dcgan_from_cifar_files(self):
        """A 3x32x32 DCGAN (4 stages, trained on CIFAR-format files) rebuilt in PyTorch draws genai sample's pixels."""
        cifar = os.path.join(self.dir, "cifar")
        os.makedirs(cifar)
        rng = random.Random(3)
        with open(os.path.join(cifar, "data_batch_1.bin"), "wb") as f:
            for i in range(64):
                f.write(bytes([i % 10]) + bytes(rng.randrange(256) if p % 97 else 255 for p in range(3072)))
        run, path, count = os.path.join(self.dir, "rgb"), os.path.join(self.dir, "rgb.safetensors"), 12
        genai(self.dir, "train", "--data", cifar, "--model", "dcgan", "--dcgan-channels", "8", "--device", "cpu", "--threads", "1", "--batch-size", "16",
              "--steps", "40", "--lr-g", "3e-3", "--out", run)
        genai(self.dir, "export", "--run", run, "--out", path)
        generator = genai_torch.load_generator(path)
        self.assertEqual(generator.spec["image_shape"], [3, 32, 32])
        folder = os.path.join(self.dir, "rgb-samples")
        genai(self.dir, "sample", "--run", run, "--device", "cpu", "--format", "folder", "--count", str(count), "--seed", str(SEED), "--out", folder)
        expected = torch.stack([read_png(os.path.join(folder, f"{i:06d}.png")) for i in range(count)])
        got = genai_torch.to_uint8(genai_torch.sample(generator, count, seed=SEED))
        self.assertEqual(tuple(got.shape), (count, 3, 32, 32))
        difference = (got.int() - expected.int()).abs()
        print(f"  rgb dcgan: {count} images 3x32x32: largest pixel difference {difference.max().item()}/255, "
              f"{(difference > 0).float().mean().item() * 100:.3f} % of pixels differ")
        self.assertGreater(expected.float().std().item(), 5, "the images are too uniform to tell generators apart")
        self.assertLessEqual(difference.max().item(), MAX_LEVELS)
        self.assertLessEqual((difference > 0).float().mean().item(), 10 * MAX_FRACTION_OFF)


if __name__ == "__main__":
    unittest.main(verbosity=2)
