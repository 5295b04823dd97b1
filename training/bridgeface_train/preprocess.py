"""The runtime's preprocessing, exactly as docs/weights-format.md defines it, in numpy/torch.

resize: out = Ry · img · Rxᵀ per channel. Output pixel i spans [x0 + i·W/S, x0 + (i+1)·W/S) in source coordinates;
"area" weights are overlap lengths / (W/S); source pixels outside the image read the nearest edge pixel.
"""
from __future__ import annotations

import numpy as np
import torch

MEAN = 0.5
STD = 0.5


def area_matrix(S: int, x0: float, W: float, n: int) -> np.ndarray:
    """Dense S×n area-resize matrix (float64)."""
    step = W / S
    lo = x0 + np.arange(S) * step
    hi = lo + step
    jmin = int(np.floor(lo.min()))
    jmax = int(np.ceil(hi.max()))
    j = np.arange(jmin, jmax)
    ov = np.clip(np.minimum(hi[:, None], j[None, :] + 1) - np.maximum(lo[:, None], j[None, :]), 0, None) / step
    R = np.zeros((S, n))
    jc = np.clip(j, 0, n - 1)
    for k in range(len(j)):
        R[:, jc[k]] += ov[:, k]
    return R


def area_matrices(S: int, x0: np.ndarray, W: np.ndarray, n: int) -> np.ndarray:
    """Batched area matrices: x0, W of shape (B,) → (B, S, n)."""
    B = len(x0)
    step = (W / S)[:, None]
    lo = x0[:, None] + np.arange(S)[None, :] * step
    hi = lo + step
    jmin = int(np.floor(lo.min()))
    jmax = int(np.ceil(hi.max()))
    j = np.arange(jmin, jmax)
    ov = np.clip(np.minimum(hi[:, :, None], j[None, None, :] + 1) - np.maximum(lo[:, :, None], j[None, None, :]), 0, None) / step[:, :, None]
    jc = np.clip(j, 0, n - 1)
    R = np.zeros((B, S, n))
    inside = (j >= 0) & (j < n)
    R[:, :, jc[inside]] += ov[:, :, inside]
    for k in np.nonzero(~inside)[0]:
        R[:, :, jc[k]] += ov[:, :, k]
    return R


def bilinear_matrices(S: int, x0: np.ndarray, W: np.ndarray, n: int) -> np.ndarray:
    """Batched bilinear (half-pixel centres, no antialias, edge clamp) resize matrices (B, S, n)."""
    B = len(x0)
    u = x0[:, None] + (np.arange(S)[None, :] + 0.5) * (W / S)[:, None] - 0.5
    u = np.clip(u, 0, n - 1)
    f0 = np.floor(u).astype(np.int64)
    fr = u - f0
    f1 = np.minimum(f0 + 1, n - 1)
    R = np.zeros((B, S, n))
    bi = np.arange(B)[:, None].repeat(S, 1)
    si = np.arange(S)[None, :].repeat(B, 0)
    np.add.at(R, (bi, si, f0), 1 - fr)
    np.add.at(R, (bi, si, f1), fr)
    return R


def nearest_matrices(S: int, x0: np.ndarray, W: np.ndarray, n: int) -> np.ndarray:
    B = len(x0)
    u = x0[:, None] + (np.arange(S)[None, :] + 0.5) * (W / S)[:, None]
    f = np.clip(np.floor(u).astype(np.int64), 0, n - 1)
    R = np.zeros((B, S, n))
    np.put_along_axis(R, f[:, :, None], 1.0, axis=2)
    return R


def bicubic_matrices(S: int, x0: np.ndarray, W: np.ndarray, n: int, a: float = -0.5) -> np.ndarray:
    """Antialiased bicubic (kernel widened by the downscale factor, like PIL's BICUBIC)."""
    B = len(x0)
    scale = np.maximum(W / S, 1.0)[:, None, None]
    c = x0[:, None] + (np.arange(S)[None, :] + 0.5) * (W / S)[:, None]  # centre, continuous coords
    j = np.arange(n)[None, None, :] + 0.5
    t = np.abs(j - c[:, :, None]) / scale
    w = np.where(t <= 1, (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1, np.where(t < 2, a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a, 0.0))
    s = w.sum(2, keepdims=True)
    return w / np.where(s == 0, 1, s)


def resize_rgb(img: torch.Tensor, Ry: torch.Tensor, Rx: torch.Tensor) -> torch.Tensor:
    """img (B,3,H,W); Ry (B,S,H) or (S,H); Rx (B,S,W) or (S,W) → (B,3,S,S)."""
    if Ry.dim() == 3:
        Ry = Ry[:, None]
        Rx = Rx[:, None]
    return Ry @ img @ Rx.transpose(-1, -2)


def normalise(rgb255: torch.Tensor) -> torch.Tensor:
    return (rgb255 / 255.0 - MEAN) / STD


def runtime_preprocess(rgb: np.ndarray, S: int = 32, box=None) -> np.ndarray:
    """Reference for one HWC uint8 RGB image → 3×S×S float32, as the runtime computes it (area resize)."""
    h, w = rgb.shape[:2]
    x0, y0, W, H = (0.0, 0.0, float(w), float(h)) if box is None else box
    Rx = area_matrix(S, x0, W, w)
    Ry = area_matrix(S, y0, H, h)
    x = rgb.astype(np.float64).transpose(2, 0, 1)
    out = Ry[None] @ x @ Rx.T[None]
    return ((out / 255.0 - MEAN) / STD).astype(np.float32)
