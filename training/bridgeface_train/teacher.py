"""The teacher (dlib_face_recognition_resnet_model_v1 as face-api's faceRecognitionNet computes it) in PyTorch, from
the weights training/teacher/export-weights.ts writes. Same graph, operation by operation: (x − mean RGB) / 255;
7×7/2 "valid" conv → max-pool 3/2; residual blocks (3×3 conv + scale + ReLU, 3×3 conv + scale, + input, ReLU);
down blocks (3×3/2 "valid" conv, 3×3 conv; shortcut 2×2/2 average pool, zero channels appended, and the conv output
zero-padded by one row and column at the end where the sizes differ); global mean; 256 → 128 matrix product.
Each conv's bias and the scale layer after it are folded into one affine per channel (float64 fold).

python3 -m bridgeface_train.teacher --weights <dir> [--threads 1]   → checks the port on the exported test chips
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

MEAN_RGB = (122.782, 117.001, 104.298)
BLOCKS = [("conv32_1", 1), ("conv32_2", 1), ("conv32_3", 1), ("conv64_down", 2), ("conv64_1", 1), ("conv64_2", 1),
          ("conv64_3", 1), ("conv128_down", 2), ("conv128_1", 1), ("conv128_2", 1), ("conv256_down", 2),
          ("conv256_1", 1), ("conv256_2", 1), ("conv256_down_out", 2)]


class Teacher:
    def __init__(self, weights_dir: str):
        meta = json.load(open(os.path.join(weights_dir, "teacher.json")))
        flat = np.fromfile(os.path.join(weights_dir, "teacher.f32"), np.float32)
        t = {e["name"]: flat[e["offset"]:e["offset"] + int(np.prod(e["shape"]))].reshape(e["shape"]) for e in meta["tensors"]}
        expected = 4 + 8 * len(BLOCKS) + 1
        if len(t) != expected:
            raise ValueError(f"{weights_dir}: {len(t)} tensors, the teacher has {expected}")

        def conv(name):  # HWIO filters, bias, scale → OIHW weight and bias with the scale folded in (float64)
            w = t[f"{name}.conv.filters"].astype(np.float64).transpose(3, 2, 0, 1)
            s, sb = t[f"{name}.scale.weights"].astype(np.float64), t[f"{name}.scale.biases"].astype(np.float64)
            b = t[f"{name}.conv.bias"].astype(np.float64) * s + sb
            return torch.from_numpy((w * s[:, None, None, None]).astype(np.float32)), torch.from_numpy(b.astype(np.float32))

        self.stem = conv("conv32_down")
        self.blocks = [(conv(f"{n}.conv1"), conv(f"{n}.conv2"), s) for n, s in BLOCKS]
        self.fc = torch.from_numpy(t["fc"].copy())

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N,3,150,150) float RGB in 0–255 → (N,128) descriptors (not normalised, as face-api returns them)."""
        x = (x - torch.tensor(MEAN_RGB).view(1, 3, 1, 1)) / 255
        x = F.max_pool2d(F.relu(F.conv2d(x, *self.stem, stride=2)), 3, 2)
        for (w1, b1), (w2, b2), s in self.blocks:
            y = F.relu(F.conv2d(x, w1, b1, stride=s, padding=0 if s == 2 else 1))
            y = F.conv2d(y, w2, b2, padding=1)
            if s == 2:
                p = F.avg_pool2d(x, 2)
                if p.shape[-1] != y.shape[-1]:
                    y = F.pad(y, (0, p.shape[-1] - y.shape[-1], 0, p.shape[-2] - y.shape[-2]))
                if p.shape[1] != y.shape[1]:
                    p = torch.cat([p, torch.zeros_like(p)], 1)
                x = F.relu(y + p)
            else:
                x = F.relu(y + x)
        return x.mean((2, 3)) @ self.fc

    def describe(self, chips: np.ndarray, batch: int = 64) -> np.ndarray:
        """(N,150,150,3) uint8 RGB chips → (N,128) float32."""
        out = []
        for i in range(0, len(chips), batch):
            x = torch.from_numpy(np.array(chips[i:i + batch])).permute(0, 3, 1, 2).float()  # a writable copy
            out.append(self.forward(x).numpy())
        return np.concatenate(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    T = Teacher(args.weights)
    n = json.load(open(os.path.join(args.weights, "teacher.json")))["testChips"]
    chips = np.fromfile(os.path.join(args.weights, "test-chips.u8"), np.uint8).reshape(n, 150, 150, 3)
    ref = np.fromfile(os.path.join(args.weights, "test-desc.f32"), np.float32).reshape(n, 128)
    got = T.describe(chips)
    cos = (got * ref).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"[teacher] port vs face-api on {n} chips: max |diff| {np.abs(got - ref).max():.2e} "
          f"(descriptor scale {np.abs(ref).max():.3f}), min cosine {cos.min():.8f}")
    x = np.repeat(chips, max(1, 64 // n), 0)[:64]
    T.describe(x)
    c0, w0 = time.process_time(), time.time()
    T.describe(x)
    print(f"[teacher] {len(x)} chips: {1000 * (time.process_time() - c0) / len(x):.1f} ms CPU per chip, "
          f"{1000 * (time.time() - w0) / len(x):.1f} ms wall ({args.threads} thread)")


if __name__ == "__main__":
    main()
