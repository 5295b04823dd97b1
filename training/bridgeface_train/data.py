"""Teacher-stage cache loading, LFW pairs, identity splits for the honest protocol."""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

CHIP = 150
LOOSE = 88
LOOSE_OFF = 37   # the loose cache is the [37, 213) region of the 250×250 frame, area-downsampled ×2
LOOSE_SRC = 176
FRAME = 250


@dataclass
class Cache:
    meta: List[dict]
    chips: np.ndarray   # (N,150,150,3) uint8, dlib-aligned chips
    loose: np.ndarray   # (N,88,88,3) uint8, loose region of the LFW framing
    desc: np.ndarray    # (N,2,128) float32 teacher descriptors of chip and mirror


def load_cache(cache_dir: str, require_complete: bool = True) -> Cache:
    """Read every shard-*/ of the teacher stage, ordered by global image index."""
    shards = sorted(glob.glob(os.path.join(cache_dir, "shard-*")))
    if not shards:
        raise FileNotFoundError(f"no teacher cache under {cache_dir}: run the teacher stage first (training/train.sh teacher)")
    metas, chips, loose, desc = [], [], [], []
    for d in shards:
        m = [json.loads(l) for l in open(os.path.join(d, "meta.jsonl")) if l.strip()]
        n = len(m)
        c = np.fromfile(os.path.join(d, "chips150.u8"), np.uint8)
        lo = np.fromfile(os.path.join(d, "loose88.u8"), np.uint8)
        de = np.fromfile(os.path.join(d, "desc.f32"), np.float32)
        n = min(n, c.size // (CHIP * CHIP * 3), lo.size // (LOOSE * LOOSE * 3), de.size // 256)
        metas += m[:n]
        chips.append(c[: n * CHIP * CHIP * 3].reshape(n, CHIP, CHIP, 3))
        loose.append(lo[: n * LOOSE * LOOSE * 3].reshape(n, LOOSE, LOOSE, 3))
        desc.append(de[: n * 256].reshape(n, 2, 128))
    order = np.argsort([m["index"] for m in metas], kind="stable")
    return Cache([metas[i] for i in order], np.concatenate(chips)[order], np.concatenate(loose)[order], np.concatenate(desc)[order])


def parse_pairs(path: str) -> List[Tuple[str, int, str, int, bool, int]]:
    """LFW View-2 pairs.txt → (name1, i1, name2, i2, same, fold)."""
    lines = open(path).read().strip().split("\n")
    nf, n = map(int, lines[0].split())
    out = []
    k = 1
    for f in range(nf):
        for same in (True, False):
            for _ in range(n):
                p = lines[k].split()
                k += 1
                if same:
                    out.append((p[0], int(p[1]), p[0], int(p[2]), True, f))
                else:
                    out.append((p[0], int(p[1]), p[2], int(p[3]), False, f))
    return out


def lfw_path(name: str, i: int) -> str:
    return f"lfw/images/{name}/{name}_{i:04d}.jpg"


def fold_people(pairs) -> Dict[str, int]:
    fp: Dict[str, int] = {}
    for a, _, b, _, _, f in pairs:
        fp[a] = f
        fp[b] = f
    return fp


def is_calibration(meta: dict, pair_people: Dict[str, int]) -> bool:
    """Held out from every training run, used only to calibrate verification thresholds: every 8th celeba identity
    and every 4th LFW identity that is not in pairs.txt (ordered by name)."""
    ident = meta["identity"]
    if ident in pair_people:
        return False
    h = sum(ident.encode()) if not ident.isdigit() else int(ident)
    if meta["dataset"] == "celeba-subset":
        return int(ident) % 8 == 0
    if meta["dataset"] == "lfw":
        return h % 4 == 0
    return False


def split_indices(cache: Cache, pairs, test_folds: List[int]):
    """Training indices: no image of a person (by name, any dataset) who appears in the given test folds, and no
    calibration image. Returns (train_idx, calib_idx)."""
    fp = fold_people(pairs)
    test_people = {p for p, f in fp.items() if f in test_folds}
    train, calib = [], []
    for i, m in enumerate(cache.meta):
        if is_calibration(m, fp):
            calib.append(i)
        elif m["identity"] not in test_people:
            train.append(i)
    return np.array(train), np.array(calib)


def teacher_targets(desc: np.ndarray) -> np.ndarray:
    """Teacher HR target: L2-normalised mean of chip and mirror descriptors."""
    t = desc.mean(1)
    return (t / np.linalg.norm(t, axis=1, keepdims=True)).astype(np.float32)
