"""genai train's TensorBoard event files, read with the `tensorboard` package's own reader."""
import os
import shutil
import signal
import subprocess
import time
import unittest

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from genai_test_support import GENAI, TempDirTest, genai, metrics_by_step

TRAIN = ["train", "--data", "tiny", "--device", "cpu", "--threads", "1", "--batch-size", "16", "--log-every", "5"]
TRAIN_KEYS = ["d_loss", "g_loss", "d_real", "d_fake", "img_per_s"]
EVAL_KEYS = ["fd_lenet", "classifier_score", "modes_covered", "mode_kl_to_uniform"]


def load(run_directory):
    accumulator = EventAccumulator(os.path.join(run_directory, "tb"), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def event_file(run_directory):
    files = [f for f in os.listdir(os.path.join(run_directory, "tb")) if f.startswith("events.out.tfevents.")]
    assert len(files) == 1, files
    return os.path.join(run_directory, "tb", files[0])


class TensorBoardEvents(TempDirTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.run_dir = os.path.join(cls.dir, "run")
        genai(cls.dir, *TRAIN, "--steps", "30", "--sample-every", "10", "--checkpoint-every", "10", "--eval-every", "10",
              "--eval-samples", "30", "--out", "run")

    def assert_scalars_match_metrics(self, run_directory, prefix, keys):
        accumulator = load(run_directory)
        for key in keys:
            tag = f"{prefix}/{key}"
            expected = metrics_by_step(run_directory, key)
            events = accumulator.Scalars(tag)
            self.assertEqual([e.step for e in events], sorted(expected), tag)
            for e in events:
                # the event holds a float32
                self.assertAlmostEqual(e.value, expected[e.step], delta=1e-5 * max(1.0, abs(expected[e.step])), msg=f"{tag} at {e.step}")
            print(f"  {tag:26s} {len(events):2d} events, steps {events[0].step}..{events[-1].step}; "
                  f"at step {events[-1].step}: {events[-1].value:.6g} (metrics.jsonl {expected[events[-1].step]})")
        return accumulator

    def test_every_metric_is_a_scalar_with_the_metrics_steps_and_values(self):
        accumulator = self.assert_scalars_match_metrics(self.run_dir, "train", TRAIN_KEYS)
        self.assert_scalars_match_metrics(self.run_dir, "eval", EVAL_KEYS)
        expected_tags = {f"train/{k}" for k in TRAIN_KEYS} | {f"eval/{k}" for k in EVAL_KEYS}
        self.assertEqual(set(accumulator.Tags()["scalars"]), expected_tags)

    def test_sample_grids_are_the_png_files(self):
        images = load(self.run_dir).Images("samples")
        self.assertEqual([i.step for i in images], [10, 20, 30])
        for image in images:
            with open(os.path.join(self.run_dir, "samples", f"step_{image.step:06d}.png"), "rb") as f:
                self.assertEqual(image.encoded_image_string, f.read(), image.step)
            self.assertEqual((image.width, image.height), (8 * 30 + 2, 8 * 30 + 2))  # 64 images: 8 x 8 cells of 28 + 2

    def test_config_is_text(self):
        accumulator = load(self.run_dir)
        self.assertEqual(accumulator.SummaryMetadata("config").plugin_data.plugin_name, "text")
        (event,) = accumulator.Tensors("config")
        with open(os.path.join(self.run_dir, "config.toml")) as f:
            self.assertEqual(event.tensor_proto.string_val[0].decode(), "```toml\n" + f.read() + "```")

    def test_a_truncated_last_record_leaves_the_earlier_ones_readable(self):
        with open(event_file(self.run_dir), "rb") as f:
            data = f.read()
        complete = list(EventFileLoader(event_file(self.run_dir)).Load())
        for cut in (1, 7, 20):
            path = os.path.join(self.dir, f"truncated-{cut}", "events.out.tfevents.1.test")
            os.makedirs(os.path.dirname(path))
            with open(path, "wb") as f:
                f.write(data[:-cut])
            events = list(EventFileLoader(path).Load())
            self.assertEqual(len(events), len(complete) - 1, cut)
            self.assertEqual([e.step for e in events], [e.step for e in complete[:-1]])
        print(f"  {len(complete)} events; cut by 1, 7 or 20 bytes: the first {len(complete) - 1} read back")

    def test_resume_continues_the_step_axis_without_duplicates(self):
        run = os.path.join(self.dir, "resumed")
        shutil.copytree(self.run_dir, run)
        # As if the job had died after step 30's events but before its checkpoint, mid-way through a record.
        os.remove(os.path.join(run, "checkpoints", "step_00000030.pt"))
        with open(event_file(run), "r+b") as f:
            f.truncate(os.path.getsize(event_file(run)) - 5)
        genai(self.dir, "train", "--resume", "--out", "resumed", "--steps", "40")
        accumulator = self.assert_scalars_match_metrics(run, "train", TRAIN_KEYS)
        self.assertEqual([e.step for e in accumulator.Scalars("train/d_loss")], list(range(5, 45, 5)))
        self.assertEqual([i.step for i in accumulator.Images("samples")], [10, 20, 30, 40])
        self.assertEqual([e.step for e in accumulator.Scalars("eval/fd_lenet")], [10, 20, 30, 40])
        self.assertEqual([t.step for t in accumulator.Tensors("config")], [0, 21])  # the first step the resumed run trains

    def test_a_killed_job_leaves_every_flushed_interval_readable(self):
        out = os.path.join(self.dir, "killed")
        process = subprocess.Popen([GENAI, *TRAIN, "--steps", "1000000", "--out", "killed"], cwd=self.dir,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if len(metrics_by_step(out, "d_loss")) >= 4:
                        break
                except (OSError, ValueError):  # not there yet, or a line half-written
                    pass
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        logged = sorted(metrics_by_step(out, "d_loss"))
        self.assertGreaterEqual(len(logged), 4)
        steps = [e.step for e in load(out).Scalars("train/d_loss")]
        # The kill may land between a metrics line and its events: at most that one interval is missing.
        self.assertEqual(steps, logged[:len(steps)])
        self.assertGreaterEqual(len(steps), len(logged) - 1)

    def test_a_rollback_logs_the_steps_after_its_checkpoint_once(self):
        # NaN after step 7; found at step 8's log line; training rolls back to the checkpoint of step 5 and logs 6, 7, ... again.
        genai(self.dir, *TRAIN, "--steps", "12", "--log-every", "1", "--checkpoint-every", "5", "--inject-nan-at-step", "7",
              "--on-nan", "rollback", "--out", "rollback")
        steps = [e.step for e in load(os.path.join(self.dir, "rollback")).Scalars("train/d_loss")]
        self.assertEqual(steps, list(range(1, 13)))

    def test_no_tensorboard_writes_no_events(self):
        genai(self.dir, *TRAIN, "--steps", "5", "--no-tensorboard", "--out", "quiet")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "quiet", "tb")))
        with open(os.path.join(self.dir, "quiet", "config.toml")) as f:
            self.assertIn("tensorboard = false", f.read())


if __name__ == "__main__":
    unittest.main(verbosity=2)
