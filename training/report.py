"""Build the README results table from training/results/*.json (written by training/eval.ts).

python3 training/report.py [training/results] > table.md
"""
import glob
import json
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "training/results"
rows = []
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    rows += json.load(open(f))
SIZES = ["8", "12", "16", "24", "32", "hr"]


def cell(r):
    a = r["report"]["accuracy"]
    return f"{100 * a['mean']:.2f} ± {100 * a['std']:.2f}"


def folds_text(folds):
    """1-based, contiguous runs joined: [0..9] -> 1–10, [0..4] -> 1–5."""
    f = sorted(x + 1 for x in folds)
    return f"{f[0]}–{f[-1]}" if f == list(range(f[0], f[-1] + 1)) else ",".join(map(str, f))


def table(variant, metric):
    vs = [r for r in rows if r["variant"] == variant]
    if not vs:
        return ""
    sizes = [s for s in SIZES if any(r["size"] == s for r in vs)]
    out = f"| model ({variant}) | LFW folds | " + " | ".join(("HR" if s == "hr" else s + " px") for s in sizes) + " |\n"
    out += "|---|---|" + "---|" * len(sizes) + "\n"
    keys = []  # (model, folds): a model scored on different fold sets gets one row per set
    for r in vs:
        k = (r["model"], folds_text(r["folds"]))
        if k not in keys:
            keys.append(k)
    order = ["teacher (chip+mirror)", "teacher (chip)", "teacher", "student", "student (run A)"]
    keys.sort(key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[1] != "1–10"))
    for m, fl in keys:
        cells = []
        for s in sizes:
            r = next((x for x in vs if x["model"] == m and folds_text(x["folds"]) == fl and x["size"] == s), None)
            if r is None:
                cells.append("")
            elif metric == "acc":
                cells.append(cell(r))
            else:
                cells.append(f"{r['report']['auc']:.3f} / {100 * r['report']['tarAtFar1e2']:.1f}")
        out += f"| {m} | {fl} | " + " | ".join(cells) + " |\n"
    return out


for v in ("aligned", "unaligned"):
    t = table(v, "acc")
    if t:
        print(f"\nAccuracy %, mean ± std over the folds ({v}):\n\n{t}")
        print(f"\nAUC / TAR at FAR 1e-2 % ({v}):\n\n{table(v, 'auc')}")
