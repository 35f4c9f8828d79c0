"""genai under the real launcher: torchrun --nproc_per_node 2 --no-python genai train, with torchrun's own store
(TORCHELASTIC_USE_AGENT_STORE) and with a plain rendezvous on a port of ours; the checkpoint loads in genai sample."""
import os
import socket
import subprocess
import sys
import unittest

from genai_test_support import GENAI, TempDirTest, genai

TORCHRUN = os.path.join(os.path.dirname(sys.executable), "torchrun")
TRAIN = ["train", "--data", "tiny", "--device", "cpu", "--model", "mlp", "--g-hidden", "32", "--d-hidden", "32", "--batch-size", "16",
         "--steps", "12", "--log-every", "4", "--sample-every", "0", "--dist-timeout", "60"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Torchrun(TempDirTest):
    def torchrun(self, out, *launcher_flags):
        command = [TORCHRUN, "--nproc_per_node", "2", *launcher_flags, "--no-python", GENAI, *TRAIN, "--out", out]
        result = subprocess.run(command, cwd=self.dir, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        run = os.path.join(self.dir, out)
        with open(os.path.join(run, "train.log")) as f:
            log = f.read()
        self.assertIn("data-parallel: rank 0 of 2 (local 0 of 2, torchrun", log)
        self.assertIn("global batch 32 = 16 x 2 processes", log)
        cores = max(1, os.cpu_count() // 2)  # the two processes on this machine share its cores
        self.assertIn(f"device cpu | {cores} core", log)
        with open(os.path.join(run, "train.rank1.log")) as f:
            self.assertIn("step 12/12", f.read())
        checkpoint = os.path.join(run, "checkpoints", "step_00000012.pt")
        self.assertTrue(os.path.exists(checkpoint))
        genai(self.dir, "sample", "--checkpoint", checkpoint, "--device", "cpu", "--count", "16", "--out", os.path.join(run, "grid.png"))
        self.assertTrue(os.path.getsize(os.path.join(run, "grid.png")) > 0)

    def test_with_torchruns_own_store(self):
        self.torchrun("agent-store", "--master_addr", "127.0.0.1", "--master_port", str(free_port()))

    def test_standalone_rendezvous(self):
        self.torchrun("standalone", "--standalone")


if __name__ == "__main__":
    unittest.main()
