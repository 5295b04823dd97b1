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


# Sets that are never trained on: celeba-200 (../shared/data/extra) is a validation set of people no other set holds.
VALIDATION_ONLY = ("celeba-200",)


class Rows:
    """Rows of per-shard arrays (memory-mapped files) under one global row index, gathered on demand: the teacher
    cache of ~80k faces (≈ 8 GB of chips and loose crops) is never loaded whole."""

    def __init__(self, parts: List[np.ndarray], part: np.ndarray, row: np.ndarray):
        self.parts, self.part, self.row = parts, part, row
        self.shape = (len(part),) + parts[0].shape[1:]
        self.dtype = parts[0].dtype

    def __len__(self):
        return len(self.part)

    def __getitem__(self, idx) -> np.ndarray:
        idx = np.asarray(idx)
        if idx.ndim == 0:
            return np.asarray(self.parts[self.part[idx]][self.row[idx]])
        out = np.empty((len(idx),) + self.shape[1:], self.dtype)
        for k in np.unique(self.part[idx]):
            sel = self.part[idx] == k
            rows = self.row[idx[sel]]
            o = np.argsort(rows, kind="stable")  # sorted reads of the memory map
            got = np.empty((len(rows),) + self.shape[1:], self.dtype)
            got[o] = self.parts[k][rows[o]]
            out[sel] = got
        return out


@dataclass
class Cache:
    meta: List[dict]
    chips: Rows         # (N,150,150,3) uint8, dlib-aligned chips
    loose: Rows         # (N,88,88,3) uint8, loose (unaligned) region around the face
    desc: np.ndarray    # (N,2,128) float32 teacher descriptors of chip and mirror (in memory: 1 KB per face)


def load_cache(cache_dir: str) -> Cache:
    """Every shard-*/ of the teacher stage, ordered by global image index; chips and loose crops stay on disk."""
    shards = sorted(glob.glob(os.path.join(cache_dir, "shard-*")))
    if not shards:
        raise FileNotFoundError(f"no teacher cache under {cache_dir}: run the teacher stage first (training/train.sh teacher)")
    metas, chips, loose, desc, part, row = [], [], [], [], [], []
    for k, d in enumerate(shards):
        m = [json.loads(l) for l in open(os.path.join(d, "meta.jsonl")) if l.strip()]
        sizes = [os.path.getsize(os.path.join(d, f)) for f in ("chips150.u8", "loose88.u8", "desc.f32")]
        n = min(len(m), sizes[0] // (CHIP * CHIP * 3), sizes[1] // (LOOSE * LOOSE * 3), sizes[2] // 1024)
        metas += m[:n]
        mm = lambda f, dt, shape: np.memmap(os.path.join(d, f), dt, "r", shape=(n,) + shape) if n else np.zeros((0,) + shape, dt)
        chips.append(mm("chips150.u8", np.uint8, (CHIP, CHIP, 3)))
        loose.append(mm("loose88.u8", np.uint8, (LOOSE, LOOSE, 3)))
        desc.append(np.fromfile(os.path.join(d, "desc.f32"), np.float32, n * 256).reshape(n, 2, 128))
        part.append(np.full(n, k))
        row.append(np.arange(n))
    order = np.argsort([m["index"] for m in metas], kind="stable")
    part, row = np.concatenate(part)[order], np.concatenate(row)[order]
    return Cache([metas[i] for i in order], Rows(chips, part, row), Rows(loose, part, row), np.concatenate(desc)[order])


def data_roots(args_data) -> List[str]:
    """--data (repeatable) else $BRIDGEFACE_DATA (one folder or several, os.pathsep-separated); no default."""
    roots = list(args_data or []) or [r for r in os.environ.get("BRIDGEFACE_DATA", "").split(os.pathsep) if r]
    if not roots:
        raise SystemExit("no data root: pass --data <dir> (repeatable) or set BRIDGEFACE_DATA")
    return roots


def lfw_root(roots: List[str]) -> str:
    for r in roots:
        if os.path.exists(os.path.join(r, "lfw", "pairs.txt")):
            return r
    raise SystemExit(f"no data root among {roots} has lfw/pairs.txt (needed for the honest protocol)")


def sets_in(roots: List[str]) -> set:
    """The set names (top-level folders with images/) of the given roots: training uses the cached faces of these."""
    return {d for r in roots for d in os.listdir(r) if os.path.isdir(os.path.join(r, d, "images"))}


def near_duplicates(cache_dir: str) -> set:
    """Paths that the perceptual-hash check (bridgeface_train.dedup) found to be near-duplicates of an LFW image."""
    f = os.path.join(cache_dir, "lfw-near-duplicates.json")
    return set(json.load(open(f))["paths"]) if os.path.exists(f) else set()


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


UNLABELLED = "unlabeled"   # <set>/images/unlabeled/: faces without identities (mimic term only)


def person_key(meta: dict) -> Tuple[str, str] | None:
    """Who a face shows, across sets: CelebA sets share CelebA's identity numbers (celeba-subset and
    celeba-align-small hold 128 of the same people), glint360k-subset uses LFW names; None for unlabelled faces."""
    ds, ident = meta["dataset"], meta["identity"]
    if ident == UNLABELLED:
        return None
    if ds.startswith("celeba"):
        return ("celeba", ident)
    return ("lfw", ident) if ds == "glint360k-subset" else (ds, ident)


def is_calibration(meta: dict, pair_people: Dict[str, int]) -> bool:
    """Held out from every training run, used only to calibrate verification thresholds: every 8th CelebA identity
    (in every CelebA set) and every 4th LFW identity that is not in pairs.txt (ordered by name)."""
    ident = meta["identity"]
    if ident in pair_people:
        return False
    h = sum(ident.encode()) if not ident.isdigit() else int(ident)
    key = person_key(meta)
    if key is not None and key[0] == "celeba":
        return int(ident) % 8 == 0
    if meta["dataset"] == "lfw":
        return h % 4 == 0
    return False


def split_indices(cache: Cache, pairs, test_folds: List[int], sets=None, exclude=frozenset()):
    """Training indices: no image of a person (by name, any dataset) who appears in the given test folds, no
    calibration image, no validation-only set, only the given sets (None: all), nothing in `exclude` (paths).
    Returns (train_idx, calib_idx)."""
    fp = fold_people(pairs)
    test_people = {p for p, f in fp.items() if f in test_folds}
    train, calib = [], []
    for i, m in enumerate(cache.meta):
        if m["dataset"] in VALIDATION_ONLY or (sets is not None and m["dataset"] not in sets) or m["path"] in exclude:
            continue
        if is_calibration(m, fp):
            calib.append(i)
        elif m["identity"] not in test_people:
            train.append(i)
    return np.array(train, dtype=np.int64), np.array(calib, dtype=np.int64)


def teacher_targets(desc: np.ndarray) -> np.ndarray:
    """Teacher HR target: L2-normalised mean of chip and mirror descriptors."""
    t = desc.mean(1)
    return (t / np.linalg.norm(t, axis=1, keepdims=True)).astype(np.float32)
