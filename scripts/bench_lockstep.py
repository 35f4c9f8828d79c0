#!/usr/bin/env python3
"""Time several training-step benchmarks in lockstep: their timed windows alternate, one process at a time.

This machine's speed drifts by up to 2x over minutes (the same binary gave 240 and 513 it/s ten minutes
apart), so rates measured one benchmark after another compare the machine's moods, not the code. Here every
contender (`genai bench --lockstep`, `bench_reference.py --lockstep`) is started and warmed up one after the
other, then round r runs one window of each, in an order rotated by r, with a pause between turns so that
the last one's thread pools have gone idle. A slow phase then hits every contender of a round alike.

Usage: bench_lockstep.py [--rounds N] [--pause S] [--out FILE] LABEL=COMMAND [LABEL=COMMAND ...]
COMMAND is split like a shell word list (use `env VAR=value ...` for environment). Each must take the
lockstep protocol and time one case. Prints one line per contender (median and windows) and, for each round,
the rates; --out writes JSON lines {"label", "result", "windows"} where result is the contender's own final
JSON with it_per_s, the median of its windows. A contender that fails is reported with result null.
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time


class Contender:
    def __init__(self, label, command):
        self.label, self.command = label, command
        self.process = None
        self.windows, self.result, self.error = [], None, None

    def start(self):
        self.process = subprocess.Popen(shlex.split(self.command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def turn(self):
        """Lets the contender run its next phase (warm-up or window); returns its rate, or None once it failed."""
        if self.error:
            return None
        try:
            self.process.stdin.write("go\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return self.fail("exited before its turn")
        for line in self.process.stdout:
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("lockstep") in ("warmup", "window"):
                    return record["it_per_s"]
        return self.fail("exited during its turn")

    def finish(self):
        if self.error:
            return
        self.process.stdin.close()
        for line in self.process.stdout:
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("lockstep") in (None, "result"):
                    record.pop("lockstep", None)
                    self.result = record
        if self.process.wait() != 0 or self.result is None:
            self.fail("ended without a result")

    def fail(self, what):
        if self.process.poll() is None:
            self.process.kill()
        stderr = self.process.stderr.read().strip().splitlines()
        self.error = f"{what}: {stderr[-1] if stderr else 'no message'}"
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between turns")
    parser.add_argument("--out", default="")
    parser.add_argument("contenders", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()
    contenders = []
    for spec in args.contenders:
        label, sep, command = spec.partition("=")
        if not sep or not label or not command:
            parser.error(f"'{spec}' is not LABEL=COMMAND")
        contenders.append(Contender(label, command))

    for c in contenders:  # one at a time: setup (imports, torch.compile) and warm-up never overlap another's
        c.start()
        c.turn()
    for r in range(args.rounds):
        order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
        for c in order:
            time.sleep(args.pause)
            rate = c.turn()
            if rate is not None:
                c.windows.append(rate)
        print(f"round {r + 1}: " + ", ".join(f"{c.label} {c.windows[-1]:.2f}" for c in contenders if c.windows and not c.error),
              file=sys.stderr, flush=True)
    for c in contenders:
        c.finish()
        if c.result is not None:
            c.result["it_per_s"] = statistics.median(c.windows)
            c.result["window_it_per_s"] = c.windows
            if "batch_size" in c.result:
                c.result["img_per_s"] = c.result["it_per_s"] * c.result["batch_size"]
            if "gflop_per_step" in c.result:
                c.result["gflop_per_s"] = c.result["it_per_s"] * c.result["gflop_per_step"]
        print(f"{c.label}: " + (f"{c.result['it_per_s']:.2f} it/s (windows {', '.join(f'{w:.2f}' for w in c.windows)})"
                                 if c.result else f"failed, {c.error}"))
    if args.out:
        with open(args.out, "a") as f:
            for c in contenders:
                f.write(json.dumps({"label": c.label, "result": c.result, "windows": c.windows}) + "\n")


if __name__ == "__main__":
    main()
