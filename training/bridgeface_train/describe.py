"""Teacher descriptors for a cache aligned with `align.ts --describe later`, by the PyTorch port of the teacher
(teacher.py): for every shard, the chip and mirror descriptors of the aligned records that desc.f32 does not hold yet.
Resumable (appends whole records; a desc.f32 longer than the aligned records, after align.ts dropped a torn one, is
cut back first).

python3 -m bridgeface_train.describe --cache training/cache/teacher --weights <export-weights.ts folder> [--threads 2]
"""
from __future__ import annotations

import argparse
import glob
import os
import time

import numpy as np
import torch

from .data import CHIP
from .teacher import Teacher

REC = 2 * 128 * 4  # bytes per record: chip and mirror descriptors, float32


def aligned_records(d: str) -> int:
    with open(os.path.join(d, "meta.jsonl")) as f:
        lines = sum(1 for l in f if l.strip())
    return min(lines, os.path.getsize(os.path.join(d, "chips150.u8")) // (CHIP * CHIP * 3))


def describe_shard(teacher: Teacher, d: str, batch: int = 128) -> int:
    n = aligned_records(d)
    path = os.path.join(d, "desc.f32")
    have = os.path.getsize(path) // REC if os.path.exists(path) else 0
    if have > n:
        have = n
    with open(path, "ab") as f:
        f.truncate(have * REC)
    if have == n:
        return 0
    chips = np.memmap(os.path.join(d, "chips150.u8"), np.uint8, "r", shape=(n, CHIP, CHIP, 3))
    with open(path, "ab") as f:
        for i in range(have, n, batch):
            c = np.asarray(chips[i:min(n, i + batch)])
            d2 = np.stack([teacher.describe(c), teacher.describe(c[:, :, ::-1])], 1).astype(np.float32)
            f.write(d2.tobytes())
            f.flush()
    return n - have


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default="training/cache/teacher")
    ap.add_argument("--weights", required=True, help="the folder training/teacher/export-weights.ts wrote")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    teacher = Teacher(args.weights)
    t0, c0, total = time.time(), time.process_time(), 0
    for d in sorted(glob.glob(os.path.join(args.cache, "shard-*"))):
        k = describe_shard(teacher, d)
        total += k
        if k:
            print(f"[describe] {os.path.basename(d)}: {k} faces, {total / max(time.time() - t0, 1e-9):.1f} faces/s so far", flush=True)
    el = time.time() - t0
    print(f"[describe] {total} faces in {el:.0f} s ({total / max(el, 1e-9):.1f} faces/s, "
          f"{1000 * (time.process_time() - c0) / max(total, 1):.1f} ms CPU per face, {args.threads} threads)")


if __name__ == "__main__":
    main()
