"""LFW verification metrics (Python mirror of src/eval, used for quick diagnostics during training)."""
from __future__ import annotations

import math

import numpy as np


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    order = np.argsort(-scores)
    s, y = scores[order], same[order].astype(np.int64)
    # accept scores >= t. candidate thresholds at each distinct score
    tp = np.cumsum(y)
    fp = np.cumsum(1 - y)
    P, N = y.sum(), (1 - y).sum()
    acc = (tp + (N - fp)) / (P + N)
    last = np.r_[s[1:] != s[:-1], True]
    k = np.argmax(np.where(last, acc, -1))
    nxt = s[k + 1] if k + 1 < len(s) else s[k] - 1e-6
    return float((s[k] + nxt) / 2)


def kfold_accuracy(scores: np.ndarray, same: np.ndarray, fold: np.ndarray):
    accs = []
    for f in np.unique(fold):
        tr = fold != f
        t = best_threshold(scores[tr], same[tr])
        te = fold == f
        accs.append(np.mean((scores[te] >= t) == same[te]))
    return float(np.mean(accs)), float(np.std(accs)), accs


def far_threshold(impostor: np.ndarray, far: float, decimals: int = 4) -> float:
    """The smallest `decimals`-place threshold t with at most floor(far * N) impostor scores >= t, under the rule
    used everywhere (verify, src/eval tarAtFar): match iff similarity >= threshold. That is the (k+1)-th highest
    impostor score rounded strictly up; with no limit (k >= N) it is the lowest score rounded down."""
    s = np.sort(np.asarray(impostor, dtype=np.float64))[::-1]
    k = int(np.floor(far * len(s)))
    q = 10 ** decimals
    if k >= len(s):
        return math.floor(float(s[-1]) * q) / q
    t = math.floor(float(s[k]) * q) / q
    while t <= s[k]:  # one or two steps of 10^-decimals: strictly above s[k] despite float rounding
        t = (round(t * q) + 1) / q
    return t
