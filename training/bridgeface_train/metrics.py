"""LFW verification metrics (Python mirror of src/eval, used for quick diagnostics during training)."""
from __future__ import annotations

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


def far_threshold(impostor: np.ndarray, far: float) -> float:
    s = np.sort(impostor)[::-1]
    k = int(np.floor(far * len(s)))
    return float(s[k]) if k < len(s) else float(s[-1])
