"""Architecture candidates for the v2 student (issue 9 §2): ≤ 240,000 parameters and ≤ 15M multiply–accumulates per
face, input 32×32, PReLU, GDC pooling, 128-D embedding. Each varies one thing against the shipped "v1":
  dsc-deep  depth: five 128-channel blocks at 8×8 instead of three, one 256 block fewer
  dsc-wide  width: 48/96/192/256 channels, fewer blocks
  dsc-late  where to downsample: one more block at 32×32 before the first stride, one fewer at 8×8
  ir        MobileFaceNet-style inverted residual bottlenecks (expand 2, linear projection), 48/80/128 channels
  ir-head   bottlenecks + MobileFaceNet's 1×1 conv (256 channels) before the GDC: the embedding head
  ir-wide   fewer, wider bottlenecks (48/96/160) at the MAC budget

python3 -m bridgeface_train.candidates [--threads 1] [--batch 256] [--bfw DIR]   → parameters, MACs, PyTorch CPU
faces/s (inference and training steps: the epochs a time budget buys)
--bfw DIR also writes untrained weights of every candidate (DIR/<name>.bfw), which training/candidate-speed.ts times
through the runtime.
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Any, Dict

import torch

from .bfw import write_bfw
from .model import DEFAULT_ARCH, Student, count_macs, count_params, export_tensors

MAX_PARAMS = 240_000
MAX_MACS = 15_000_000


def _b(c: int, s: int, residual: bool = False, expand: int | None = None) -> Dict[str, Any]:
    d: Dict[str, Any] = {"channels": c, "stride": s, "residual": residual}
    if expand:
        d.update(type="ir", expand=expand)
    return d


def _arch(stem: int, blocks, head: int | None = None) -> Dict[str, Any]:
    a = {**DEFAULT_ARCH, "stem": {"channels": stem, "stride": 1}, "blocks": blocks}
    if head:
        a["head"] = {"channels": head}
    return a


CANDIDATES: Dict[str, Dict[str, Any]] = {
    "v1": DEFAULT_ARCH,
    "dsc-deep": _arch(32, [_b(64, 2), _b(64, 1, True), _b(64, 1, True), _b(128, 2)] + [_b(128, 1, True)] * 4
                      + [_b(256, 2), _b(256, 1, True)]),
    "dsc-wide": _arch(48, [_b(96, 2), _b(96, 1, True), _b(192, 2), _b(192, 1, True), _b(192, 1, True), _b(256, 2)]),
    "dsc-late": _arch(32, [_b(64, 1), _b(64, 2), _b(64, 1, True), _b(128, 2), _b(128, 1, True), _b(128, 1, True),
                           _b(256, 2), _b(256, 1, True)]),
    "ir": _arch(32, [_b(48, 2), _b(48, 1, True, 2), _b(80, 2, False, 2)] + [_b(80, 1, True, 2)] * 3
                + [_b(128, 2, False, 2), _b(128, 1, True, 2)]),
    "ir-head": _arch(32, [_b(48, 2), _b(48, 1, True, 2), _b(80, 2, False, 2), _b(80, 1, True, 2), _b(80, 1, True, 2),
                          _b(112, 2, False, 2), _b(112, 1, True, 2)], head=256),
    "ir-wide": _arch(32, [_b(48, 2), _b(48, 1, True, 2), _b(96, 2, False, 2)] + [_b(96, 1, True, 2)] * 3
                     + [_b(160, 2, False, 2)]),
}


def write_candidate(path: str, name: str, model: Student) -> None:
    """The weights file of candidate `name` from `model` (untrained: provenance says so), as the runtime reads it."""
    header = {"architecture": CANDIDATES[name], "input": {"mean": [0.5] * 3, "std": [0.5] * 3, "resize": "area"},
              "provenance": {"trained": False, "candidate": name}}
    write_bfw(path, header, export_tensors(model.eval()))


def params(arch: Dict[str, Any]) -> int:
    """Parameters as the runtime stores them (BatchNorm folded)."""
    return count_params(export_tensors(Student(arch).eval()))


def faces_per_s(models: Dict[str, Student], batch: int, train: bool, rounds: int = 5) -> Dict[str, float]:
    """PyTorch throughput, eval-mode forward or a training step (forward, backward, AdamW), the candidates alternated
    round by round (the machine is shared); median."""
    x = torch.randn(batch, 3, 32, 32)
    opts = {k: torch.optim.AdamW(m.parameters(), lr=1e-3) for k, m in models.items()}

    def run(k, m):
        if train:
            m.train()
            loss = m(x).sum()
            opts[k].zero_grad()
            loss.backward()
            opts[k].step()
        else:
            with torch.no_grad():
                m.eval()(x)

    times: Dict[str, list] = {k: [] for k in models}
    for k, m in models.items():
        run(k, m)  # warm-up
    for _ in range(rounds):
        for k, m in models.items():
            t = time.perf_counter()
            run(k, m)
            times[k].append(time.perf_counter() - t)
    return {k: batch / sorted(v)[len(v) // 2] for k, v in times.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--bfw", help="write untrained .bfw files of the candidates into this folder")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    models = {k: Student(a) for k, a in CANDIDATES.items()}
    fps = faces_per_s(models, args.batch, train=False)
    tps = faces_per_s(models, args.batch, train=True)
    print(f"| candidate | parameters | MACs per face | PyTorch CPU faces/s, inference / training step ({args.threads} thread, batch {args.batch}) |")
    print("|---|---:|---:|---:|")
    for k, a in CANDIDATES.items():
        p, m = params(a), count_macs(a)
        flag = "" if p <= MAX_PARAMS and m <= MAX_MACS else " (over budget)"
        print(f"| {k}{flag} | {p:,} | {m / 1e6:.2f}M | {fps[k]:,.0f} / {tps[k]:,.0f} |")
    if args.bfw:
        os.makedirs(args.bfw, exist_ok=True)
        for k, m in models.items():
            write_candidate(os.path.join(args.bfw, f"{k}.bfw"), k, m)
        print(f"untrained weights of {list(CANDIDATES)} in {args.bfw}")


if __name__ == "__main__":
    main()
