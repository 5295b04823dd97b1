"""Set-weighted sampling of the training faces (--set-weight NAME=FACTOR): each epoch draws as many faces as there are,
with replacement, each face with probability proportional to its set's factor (1 for a set not named). Used to give a
small set (LFW's press photos, ~11 % of the v2 training faces) a larger share of the draws than its face count."""
from __future__ import annotations

import argparse
import math
from typing import Dict, Iterable, List, Optional

import numpy as np


def parse_set_weight(spec: str) -> tuple:
    """argparse type of one --set-weight value: "NAME=FACTOR" with a finite FACTOR > 0."""
    name, sep, factor = spec.partition("=")
    try:
        f = float(factor)
    except ValueError:
        f = math.nan
    if not sep or not name or not math.isfinite(f) or f <= 0:
        raise argparse.ArgumentTypeError(f"{spec!r}: expected NAME=FACTOR with a set name and a finite factor > 0")
    return name, f


def set_weights(pairs: Optional[Iterable[tuple]], training_sets: Iterable[str]) -> Optional[Dict[str, float]]:
    """The --set-weight values as {set: factor} (None when none was given); a set named twice, or one that
    contributes no training face (a typo, a validation-only set, a set not under any --data root), is an error."""
    if not pairs:
        return None
    known = sorted(set(training_sets))
    out: Dict[str, float] = {}
    for name, f in pairs:
        if name in out:
            raise SystemExit(f"--set-weight {name} given twice")
        if name not in known:
            raise SystemExit(f"--set-weight {name}: not a set of this run's training faces (sets: {', '.join(known)})")
        out[name] = f
    return dict(sorted(out.items()))


def face_probabilities(face_sets: List[str], weights: Dict[str, float]) -> np.ndarray:
    """Probability of drawing each training face (face_sets[i] is face i's set) in one draw."""
    w = np.array([weights.get(s, 1.0) for s in face_sets], dtype=np.float64)
    return w / w.sum()


def draw_shares(face_sets: List[str], weights: Dict[str, float]) -> Dict[str, float]:
    """Each set's expected share of the draws (for the log and the weights' provenance)."""
    p = face_probabilities(face_sets, weights)
    sets = np.array(face_sets)
    return {s: round(float(p[sets == s].sum()), 4) for s in sorted(set(face_sets))}


def epoch_order(rng: np.random.Generator, p: Optional[np.ndarray], n: int) -> np.ndarray:
    """One epoch's n face positions: a permutation when unweighted (p None: every face once, the unweighted runs'
    order), otherwise n draws with replacement from p. Only rng's state decides the result, so a run resumed
    with the saved state draws the same faces."""
    return rng.permutation(n) if p is None else rng.choice(n, size=n, replace=True, p=p)
