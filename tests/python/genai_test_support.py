"""Shared pieces of the Python client tests: tiny IDX data sets, running the genai binary, reading IDX."""
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
import unittest

import torch

torch.set_num_threads(1)  # CTest runs tests side by side on few cores
GENAI = os.environ.get("GENAI_BINARY", "")  # set by tests/python/run.sh; tests/tools import only read_idx


def write_idx(path, dims, data):
    with open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data))


def write_tiny_dataset(directory, n=200, seed=1):
    """n 28x28 images; class c is a bright bar at row 4 + 2c over noise (as the C++ tests' tiny data)."""
    os.makedirs(directory, exist_ok=True)
    for prefix, count, rng in (("train", n, random.Random(seed)), ("t10k", max(n // 4, 10), random.Random(seed + 1))):
        images, labels = bytearray(), bytearray()
        for i in range(count):
            label = i % 10
            image = bytearray(rng.randrange(32) for _ in range(28 * 28))
            for x in range(4, 24):
                image[(4 + 2 * label) * 28 + x] = 255
            images += image
            labels.append(label)
        write_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte"), [count, 28, 28], images)
        write_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte"), [count], labels)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def genai(cwd, *args):
    """Runs genai; fails the test with its stderr when it exits non-zero."""
    result = subprocess.run([GENAI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"genai {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def metrics_by_step(run_directory, key):
    """{step: value} of one key of metrics.jsonl; a step logged twice (a resumed run) keeps its last value."""
    values = {}
    with open(os.path.join(run_directory, "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if key in record:
                values[record["step"]] = record[key]
    return values


class TempDirTest(unittest.TestCase):
    """A class-wide temporary directory with the tiny data set in tiny/."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="genai-pytest-")
        write_tiny_dataset(os.path.join(cls.dir, "tiny"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
