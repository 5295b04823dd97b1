"""Synthetic low-resolution faces for training (step 2), ending in the runtime's own area resize to the input size.

For each sample: a source (the aligned 150×150 chip, or the loose crop around the face with the fixed loose box),
a jittered face box (a share of the loose samples with a wide spread of position and scale: portraits framed unlike
LFW), a random LR size s in [smin, smax], a random downsampling kernel (area / bilinear / antialiased bicubic /
nearest), optional Gaussian blur, optional illumination changes (directional shading, gamma, low contrast, colour
cast: faces under side light), uint8 quantisation with optional Gaussian noise, optional JPEG, then the runtime's
area resize s → S and (x/255 − 0.5)/0.5. All resizes are separable matrices, built per sample. The mimic target stays
the teacher's view of the untouched HR face, so the student learns to ignore what the augmentation changes.
Recipes: "v1" = the shipped student's synthesis (no illumination, detector-like jitter only), "v2" = v1 + illumination
+ wide framing (issue 9 §3).
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from . import preprocess as P
from .data import CHIP, LOOSE, LOOSE_OFF, LOOSE_SRC

# The loose box: median dlib-chip box over training images in 250×250 frame coordinates (x, y, side). The same box
# is written to the weights header (input.crop) and used by the unaligned evaluation.
LOOSE_BOX = (68.7, 75.7, 115.5)


@dataclass
class DegradeConfig:
    smin: int = 8
    smax: int = 32
    p_loose: float = 0.4          # fraction of samples from the loose (unaligned) crop
    aligned_jitter: float = 0.03  # shift/scale jitter of the chip box (fraction of side), aligned samples
    loose_shift: float = 0.08     # loose crop: centre shift, fraction of side
    loose_scale: float = 0.12     # loose crop: log-uniform scale range ±
    p_wide: float = 0.0           # share of loose samples framed widely (face off-centre, larger or smaller)
    wide_shift: float = 0.2       # wide framing: centre shift, fraction of side
    wide_scale: float = 0.3       # wide framing: log-uniform scale range ±
    p_shade: float = 0.0          # directional shading: gain exp(k·(cos θ·u + sin θ·v)), u, v ∈ [−1, 1] across the face
    shade_max: float = 1.2        # k uniform in [0.3, shade_max]: up to e^2.4 ≈ 11× between the lit and the dark side
    p_gamma: float = 0.0          # gamma, log-uniform in [1/gamma_max, gamma_max]
    gamma_max: float = 2.0
    p_contrast: float = 0.0       # contrast about the mean, uniform in [contrast_min, 1], and a brightness shift ±40
    contrast_min: float = 0.3
    p_cast: float = 0.0           # colour cast: per-channel gains exp(N(0, cast_sigma))
    cast_sigma: float = 0.15
    p_blur: float = 0.3
    p_noise: float = 0.3
    p_jpeg: float = 0.3
    p_flip: float = 0.5
    kernels = ("area", "area", "bilinear", "bicubic", "nearest")


RECIPES = {
    "v1": DegradeConfig(),
    "v2": DegradeConfig(loose_shift=0.1, loose_scale=0.15, p_wide=0.3, p_shade=0.3, p_gamma=0.3, p_contrast=0.25, p_cast=0.25),
}


def _gauss_matrix(s: int, sigma: float) -> np.ndarray:
    r = max(1, int(np.ceil(2.5 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    G = np.zeros((s, s))
    for i in range(s):
        for o, w in zip(range(-r, r + 1), k):
            G[i, min(max(i + o, 0), s - 1)] += w
    return G


def _mats(kind: str, S: int, x0: np.ndarray, W: np.ndarray, n: int) -> np.ndarray:
    if kind == "area":
        return P.area_matrices(S, x0, W, n)
    if kind == "bilinear":
        return P.bilinear_matrices(S, x0, W, n)
    if kind == "bicubic":
        return P.bicubic_matrices(S, x0, W, n)
    return P.nearest_matrices(S, x0, W, n)


class Degrader:
    def __init__(self, cfg: DegradeConfig, S: int = 32, seed: int = 0):
        self.cfg = cfg
        self.S = S
        self.rng = np.random.default_rng(seed)
        self.final = {s: P.area_matrix(S, 0.0, float(s), s) for s in range(1, 257)}

    def boxes(self, B: int, loose: np.ndarray):
        """Face box (x0, y0, side) in source-array pixels for each sample."""
        c, rng = self.cfg, self.rng
        x0 = np.zeros(B); y0 = np.zeros(B); side = np.zeros(B)
        # aligned: the chip itself, lightly jittered (half the samples untouched)
        j = c.aligned_jitter * (rng.random(B) < 0.5)
        sc = np.exp(rng.uniform(-1, 1, B) * j)
        side_a = CHIP * sc
        x_a = (CHIP - side_a) / 2 + rng.uniform(-1, 1, B) * j * CHIP
        y_a = (CHIP - side_a) / 2 + rng.uniform(-1, 1, B) * j * CHIP
        # loose: the fixed loose box, jittered like a detector box, in loose-cache coordinates (½ of the frame)
        bx, by, bs = LOOSE_BOX
        wide = rng.random(B) < c.p_wide
        scale, shift = np.where(wide, c.wide_scale, c.loose_scale), np.where(wide, c.wide_shift, c.loose_shift)
        sl = bs * np.exp(rng.uniform(-1, 1, B) * scale)
        cx = bx + bs / 2 + rng.uniform(-1, 1, B) * shift * bs
        cy = by + bs / 2 + rng.uniform(-1, 1, B) * shift * bs
        f = LOOSE / LOOSE_SRC
        x_l = (cx - sl / 2 - LOOSE_OFF) * f
        y_l = (cy - sl / 2 - LOOSE_OFF) * f
        s_l = sl * f
        x0 = np.where(loose, x_l, x_a); y0 = np.where(loose, y_l, y_a); side = np.where(loose, s_l, side_a)
        return x0, y0, side

    def __call__(self, chips: torch.Tensor, loose_src: np.ndarray, sizes: np.ndarray | None = None,
                 hr_prob: float = 0.0) -> torch.Tensor:
        """chips (B,3,75,75) float32 (chip75 of the 150 chips) and loose_src (B,88,88,3) uint8 → (B,3,S,S)."""
        c, rng, S = self.cfg, self.rng, self.S
        B = len(chips)
        use_loose = rng.random(B) < c.p_loose
        x0, y0, side = self.boxes(B, use_loose)
        if sizes is None:  # a few sizes per batch keeps the number of batched matmuls small
            pool = rng.integers(c.smin, c.smax + 1, 4)
            sizes = pool[rng.integers(0, 4, B)]
        out = np.zeros((B, 3, S, S), np.float32)
        # group by (source, size, kernel) so each group is one batched matmul
        kinds = rng.choice(len(c.kernels), B)
        hr = rng.random(B) < hr_prob  # "HR": area straight to S (what rec.embed does with an HR face)
        sizes = np.where(hr, S, sizes)
        kinds = np.where(hr, 0, kinds)
        keys = {}
        for i in range(B):
            keys.setdefault((bool(use_loose[i]), int(sizes[i]), int(kinds[i])), []).append(i)
        for (lo, s, k), idx in keys.items():
            idx = np.array(idx)
            if lo:
                x = torch.from_numpy(loose_src[idx]).permute(0, 3, 1, 2).float()
                f = 1.0
            else:
                x = chips[torch.from_numpy(idx)]
                f = 0.5  # box coordinates are in 150-chip pixels; the source is the 2x-area-reduced 75 chip
            n = x.shape[-1]
            kind = c.kernels[k]
            Ry = _mats(kind, s, y0[idx] * f, side[idx] * f, n)
            Rx = _mats(kind, s, x0[idx] * f, side[idx] * f, n)
            blur = rng.random(len(idx)) < c.p_blur
            if blur.any():
                for q in np.nonzero(blur)[0]:
                    G = _gauss_matrix(s, rng.uniform(0.3, 1.0))
                    Ry[q] = G @ Ry[q]
                    Rx[q] = G @ Rx[q]
            lr = self.illuminate(P.resize_rgb(x, torch.from_numpy(Ry).float(), torch.from_numpy(Rx).float()))
            noise = rng.random(len(idx)) < c.p_noise
            if noise.any():
                sig = torch.from_numpy(rng.uniform(1, 8, len(idx)) * noise).float()[:, None, None, None]
                lr = lr + torch.randn_like(lr) * sig
            lr = lr.round().clamp(0, 255)
            lr_np = lr.to(torch.uint8).permute(0, 2, 3, 1).numpy()
            jpeg = rng.random(len(idx)) < c.p_jpeg
            for q in np.nonzero(jpeg)[0]:
                buf = io.BytesIO()
                Image.fromarray(lr_np[q]).save(buf, format="JPEG", quality=int(rng.integers(30, 96)))
                lr_np[q] = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
            lr = torch.from_numpy(lr_np).permute(0, 3, 1, 2).float()
            A = torch.from_numpy(self.final[s]).float()
            y = A @ lr @ A.T
            out[idx] = P.normalise(y).numpy()
        t = torch.from_numpy(out)
        flip = torch.from_numpy(rng.random(B) < c.p_flip)
        t[flip] = t[flip].flip(-1)
        return t


    def illuminate(self, x: torch.Tensor) -> torch.Tensor:
        """Random lighting on (n,3,s,s) float images in [0, 255]: each of shading, gamma, contrast and colour cast
        with its own probability, per sample; the result is clamped to [0, 255]."""
        c, rng = self.cfg, self.rng
        n, _, s, _ = x.shape
        f = lambda v: torch.from_numpy(np.asarray(v, np.float32))
        on = lambda p: rng.random(n) < p
        if c.p_shade > 0:
            k = rng.uniform(0.3, c.shade_max, n) * on(c.p_shade)
            th = rng.uniform(0, 2 * np.pi, n)
            u = f(np.linspace(-1, 1, s))
            ramp = f(np.cos(th))[:, None, None] * u[None, None, :] + f(np.sin(th))[:, None, None] * u[None, :, None]
            x = x * torch.exp(f(k)[:, None, None] * ramp)[:, None]
        if c.p_gamma > 0:
            g = np.exp(rng.uniform(-1, 1, n) * np.log(c.gamma_max) * on(c.p_gamma))
            x = 255 * (x.clamp(0, 255) / 255) ** f(g)[:, None, None, None]
        if c.p_contrast > 0:
            a = on(c.p_contrast)
            ctr = np.where(a, rng.uniform(c.contrast_min, 1, n), 1.0)
            shift = np.where(a, rng.uniform(-40, 40, n), 0.0)
            m = x.mean((1, 2, 3), keepdim=True)
            x = m + f(ctr)[:, None, None, None] * (x - m) + f(shift)[:, None, None, None]
        if c.p_cast > 0:
            gains = np.exp(rng.normal(0, c.cast_sigma, (n, 3)) * on(c.p_cast)[:, None])
            x = x * f(gains)[:, :, None, None]
        return x.clamp(0, 255)


def chip75(chips: np.ndarray) -> torch.Tensor:
    """Exact 2×2 area reduction of 150 chips (uint8 NHWC) to float (N,3,75,75): the training source for aligned
    samples (4× cheaper; identical to area from 150 wherever an output span starts on an even pixel)."""
    out = torch.empty((len(chips), 3, 75, 75), dtype=torch.float32)
    for i in range(0, len(chips), 1024):
        x = torch.from_numpy(chips[i:i + 1024]).permute(0, 3, 1, 2).float()
        out[i:i + 1024] = torch.nn.functional.avg_pool2d(x, 2)
    return out


def eval_input(chips: np.ndarray, s: int, S: int = 32, chunk: int = 512) -> torch.Tensor:
    """Test-time degradation (aligned): area downsample of the chip to s (uint8), then the runtime's area resize.
    In chunks: the float64 copy of a few thousand 150-px chips would take gigabytes at once."""
    R = torch.from_numpy(P.area_matrix(s, 0.0, float(chips.shape[1]), chips.shape[1]))
    A = torch.from_numpy(P.area_matrix(S, 0.0, float(s), s))
    out = torch.empty((len(chips), 3, S, S), dtype=torch.float32)
    for i in range(0, len(chips), chunk):
        x = torch.from_numpy(np.asarray(chips[i:i + chunk])).permute(0, 3, 1, 2).double()
        lr = (R @ x @ R.T).round().clamp(0, 255)
        out[i:i + chunk] = P.normalise(A @ lr @ A.T).float()
    return out
