"""Teacher descriptors of the degraded faces `teacher/lr.ts --describe later` writes: each <variant>-<size>.u8
(N×s×s×3, in the order of paths.json) is upsampled bilinearly to 150 (half-pixel centres, edge clamp: the rule of
src/eval's bilinearUpsampleRGB) unless it is already 150 ("hr"), described by the PyTorch teacher (teacher.py) and
written as <variant>-<size>.f32 (N×128), which replaces the .u8. Resumable per file.

python3 -m bridgeface_train.describe_lr --dir <lr.ts --out folder> --weights <export-weights.ts folder> [--threads 2]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .teacher import Teacher


def describe_file(teacher: Teacher, u8: str, count: int, batch: int = 128) -> None:
    raw = np.fromfile(u8, np.uint8)
    s = int(round((raw.size / (3 * count)) ** 0.5))
    if s * s * 3 * count != raw.size:
        raise ValueError(f"{u8}: {raw.size} bytes is not {count} square RGB faces")
    faces = raw.reshape(count, s, s, 3)
    out = np.empty((count, 128), np.float32)
    for i in range(0, count, batch):
        x = torch.from_numpy(faces[i:i + batch].copy()).permute(0, 3, 1, 2).float()
        if s != 150:
            x = F.interpolate(x, size=(150, 150), mode="bilinear", align_corners=False)
        out[i:i + batch] = teacher.forward(x).numpy()
    f32 = u8[:-3] + ".f32"
    out.tofile(f32 + ".part")
    os.replace(f32 + ".part", f32)
    os.remove(u8)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    teacher = Teacher(args.weights)
    count = len(json.load(open(os.path.join(args.dir, "paths.json"))))
    for u8 in sorted(glob.glob(os.path.join(args.dir, "*.u8"))):
        t0 = time.time()
        describe_file(teacher, u8, count)
        print(f"[describe-lr] {os.path.basename(u8)[:-3]}: {count} faces in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
