"""genai eval --inception against pytorch-fid 0.3.0's own code (pip's pytorch-fid, torchvision's Inception3 under
it, scipy's sqrtm): the same two folders and the same weights file must give the same Inception features (1e-4
relative) and the same FID (0.1 %).

pytorch-fid downloads its weights at run time and nothing can be downloaded here, so the test builds pytorch-fid's
own FID network (fid_inception_v3, its FIDInceptionA/C/E blocks) with seeded random weights in the same layout, lets
pytorch-fid load those instead of the download, and saves them with torch.save as the weights file genai reads."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch
from PIL import Image
from safetensors.numpy import load_file

import pytorch_fid.inception as fid_inception
from pytorch_fid import fid_score

from genai_test_support import GENAI

IMAGES_PER_FOLDER = 32


def seeded_state(net, seed):
    """Random weights that keep a ReLU network's activations of order one: He-normal convolutions, batch norms
    near the identity with some spread, a small fc."""
    g = torch.Generator().manual_seed(seed)
    state = net.state_dict()
    with torch.no_grad():
        for key, value in state.items():
            if not value.dtype.is_floating_point:
                continue
            shape = value.shape
            if key.endswith("running_var"):
                value.copy_(torch.rand(shape, generator=g) * 0.5 + 0.75)
            elif key.endswith("running_mean"):
                value.copy_(torch.randn(shape, generator=g) * 0.1)
            elif key.endswith("bn.weight"):
                value.copy_(torch.rand(shape, generator=g) * 0.4 + 0.8)
            elif key.endswith("bn.bias"):
                value.copy_(torch.randn(shape, generator=g) * 0.1)
            elif value.dim() == 4:
                fan_in = shape[1] * shape[2] * shape[3]
                value.copy_(torch.randn(shape, generator=g) * (2.0 / fan_in) ** 0.5)
            else:
                value.copy_(torch.randn(shape, generator=g) * 0.01)
    return state


def use_random_weights(seed):
    """Makes pytorch-fid build its FID network with seeded random weights instead of downloading them."""
    built = {}
    original = fid_inception._inception_v3

    def build(*args, **kwargs):
        built["net"] = original(*args, **kwargs)
        return built["net"]

    fid_inception._inception_v3 = build
    fid_inception.load_state_dict_from_url = lambda *args, **kwargs: seeded_state(built["net"], seed)


def write_folder(path, seed, tint):
    """Smooth random 32x32 RGB pictures (blurred noise plus a colour cast), the same kind in both folders but with
    different statistics, so the FID is well above zero."""
    os.makedirs(path)
    rng = np.random.default_rng(seed)
    for i in range(IMAGES_PER_FOLDER):
        coarse = rng.random((8, 8, 3))
        image = np.kron(coarse, np.ones((4, 4, 1)))  # 32x32, blocky
        image = np.clip(0.7 * image + 0.3 * rng.random((32, 32, 3)) + tint, 0, 1)
        Image.fromarray((image * 255).round().astype(np.uint8), "RGB").save(os.path.join(path, f"{i:03d}.png"))


class FidMatchesPytorchFid(unittest.TestCase):
    def test_same_features_and_fid_as_pytorch_fid(self):
        torch.set_num_threads(2)
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            write_folder(a, 1, np.array([0.0, 0.0, 0.0]))
            write_folder(b, 2, np.array([0.15, -0.05, 0.0]))
            use_random_weights(seed=7)
            weights = os.path.join(tmp, "pt_inception-random.pth")
            torch.save(fid_inception.fid_inception_v3().state_dict(), weights)  # torch.save's zip format

            # pytorch-fid, as python -m pytorch_fid A B does it (its model, data loader, statistics, sqrtm).
            model = fid_inception.InceptionV3([fid_inception.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
            files_a = sorted(os.path.join(a, f) for f in os.listdir(a))
            files_b = sorted(os.path.join(b, f) for f in os.listdir(b))
            act_a = fid_score.get_activations(files_a, model, batch_size=50, dims=2048, device="cpu", num_workers=0)
            act_b = fid_score.get_activations(files_b, model, batch_size=50, dims=2048, device="cpu", num_workers=0)
            mu_a, sigma_a = np.mean(act_a, axis=0), np.cov(act_a, rowvar=False)
            mu_b, sigma_b = np.mean(act_b, axis=0), np.cov(act_b, rowvar=False)
            reference_fid = fid_score.calculate_frechet_distance(mu_a, sigma_a, mu_b, sigma_b)

            report, features = os.path.join(tmp, "eval.json"), os.path.join(tmp, "features.safetensors")
            run = subprocess.run([GENAI, "eval", "--images", a, "--data", b, "--networks", "inception", "--inception", weights, "--json", report,
                                  "--save-features", features, "--threads", "2", "--device", "cpu"],
                                 capture_output=True, text=True, timeout=600)
            self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
            saved = load_file(features)
            for name, ours, theirs in (("a", saved["inception.scored"], act_a), ("b", saved["inception.reference"], act_b)):
                self.assertEqual(ours.shape, theirs.shape)
                error = np.abs(ours - theirs).max() / np.abs(theirs).max()
                print(f"folder {name}: largest feature difference {error:.2e} of the largest feature")
                self.assertLess(error, 1e-4, f"folder {name}: features differ from pytorch-fid's")
            with open(report) as f:
                card = json.load(f)
            ours = card["networks"][0]["scored"]["fid"]
            print(f"FID: genai {ours:.6f}, pytorch-fid {reference_fid:.6f}, relative difference {abs(ours - reference_fid) / reference_fid:.2e}")
            self.assertGreater(reference_fid, 1.0, "the two folders should differ")
            self.assertLess(abs(ours - reference_fid), 1e-3 * reference_fid)
            self.assertIn("inception_score", card["networks"][0]["scored"])


if __name__ == "__main__":
    unittest.main()
