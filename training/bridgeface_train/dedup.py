"""Near-duplicates of LFW images in the other sets, found on the aligned chips of the teacher cache.

python3 -m bridgeface_train.dedup --cache training/cache/teacher   → <cache>/lfw-near-duplicates.json

The same photograph reaches several public sets with other crops, sizes and JPEG settings, so whole files cannot be
compared; their aligned 150×150 chips can. A face of another set is a near-duplicate of an LFW image when both
  - the teacher descriptors (mean of chip and mirror, L2-normalised) have cosine ≥ --min-cos (the same person in
    nearly the same photo; different photos of one person stay well below it), and
  - the 64-bit DCT perceptual hash (pHash) of the chips differs in ≤ --max-bits bits (the same picture).
The descriptor narrows 10⁹ pairs to a few candidates with one matrix product; pHash confirms them. Training
(data.near_duplicates) drops every listed path.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from . import data as D
from .preprocess import area_matrix

HASH = 32   # the chip is area-reduced to HASH×HASH grey before the DCT
LOW = 8     # the LOW×LOW lowest frequencies give the 64 bits


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)
    M = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n)) * np.sqrt(2 / n)
    M[0] /= np.sqrt(2)
    return M


def phash(rgb: np.ndarray) -> np.ndarray:
    """pHash of (N,H,W,3) uint8 images → (N,) uint64: grey, area to 32×32, 2-D DCT, the 8×8 lowest frequencies
    against their median (the DC term excluded from the median)."""
    n, h, w, _ = rgb.shape
    grey = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    Ry, Rx = area_matrix(HASH, 0.0, float(h), h), area_matrix(HASH, 0.0, float(w), w)
    small = Ry @ grey @ Rx.T
    C = _dct_matrix(HASH)
    low = (C @ small @ C.T)[:, :LOW, :LOW].reshape(n, -1)
    med = np.median(low[:, 1:], axis=1, keepdims=True)
    bits = (low > med).astype(np.uint64)
    return (bits << np.arange(LOW * LOW, dtype=np.uint64)).sum(1, dtype=np.uint64)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bits that differ between 64-bit hashes (element-wise)."""
    x = np.atleast_1d(np.bitwise_xor(a, b)).astype(np.uint64)
    n = np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1).sum(-1)
    return n if np.ndim(a) or np.ndim(b) else int(n[0])


def find(cache: D.Cache, min_cos: float, max_bits: int, chunk: int = 4096):
    """(other index, lfw index, cosine, bits) for every confirmed near-duplicate, and the number of candidates."""
    ds = np.array([m["dataset"] for m in cache.meta])
    lfw, other = np.nonzero(ds == "lfw")[0], np.nonzero(ds != "lfw")[0]
    if not len(lfw) or not len(other):
        return [], 0
    T = D.teacher_targets(cache.desc)
    hl = np.concatenate([phash(cache.chips[lfw[i:i + chunk]]) for i in range(0, len(lfw), chunk)])
    found, cand = [], 0
    for i in range(0, len(other), chunk):
        o = other[i:i + chunk]
        S = T[o] @ T[lfw].T
        r, c = np.nonzero(S >= min_cos)
        cand += len(r)
        if not len(r):
            continue
        ho = phash(cache.chips[o[np.unique(r)]])
        pos = {u: k for k, u in enumerate(np.unique(r))}
        bits = hamming(ho[[pos[q] for q in r]], hl[c])
        for q, l, b in zip(r, c, bits):
            if b <= max_bits:
                found.append((int(o[q]), int(lfw[l]), float(S[q, l]), int(b)))
    return found, cand


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default="training/cache/teacher")
    ap.add_argument("--min-cos", type=float, default=0.95)
    ap.add_argument("--max-bits", type=int, default=10)
    args = ap.parse_args(argv)
    t0 = time.time()
    cache = D.load_cache(args.cache)
    found, cand = find(cache, args.min_cos, args.max_bits)
    per_set: dict = {}
    for o, _, _, _ in found:
        per_set[cache.meta[o]["dataset"]] = per_set.get(cache.meta[o]["dataset"], 0) + 1
    checked: dict = {}
    for m in cache.meta:
        if m["dataset"] != "lfw":
            checked[m["dataset"]] = checked.get(m["dataset"], 0) + 1
    out = {
        "criterion": {"minCos": args.min_cos, "maxBits": args.max_bits, "hash": "pHash 8x8 of the 32x32 DCT of the grey aligned chip"},
        "checked": checked, "lfwImages": int(sum(m["dataset"] == "lfw" for m in cache.meta)),
        "candidates": cand, "perSet": per_set,
        "paths": sorted({cache.meta[o]["path"] for o, _, _, _ in found}),
        "pairs": [{"path": cache.meta[o]["path"], "lfw": cache.meta[l]["path"], "cos": round(c, 4), "bits": b} for o, l, c, b in found],
    }
    tmp = os.path.join(args.cache, "lfw-near-duplicates.json.part")
    json.dump(out, open(tmp, "w"), indent=1)
    os.replace(tmp, os.path.join(args.cache, "lfw-near-duplicates.json"))
    print(f"[dedup] {sum(checked.values())} faces of {sorted(checked)} against {out['lfwImages']} LFW images: {cand} candidates "
          f"(cos >= {args.min_cos}), {len(out['paths'])} near-duplicates (pHash <= {args.max_bits} bits) {per_set} "
          f"in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
