"""Chart of verification accuracy against face size from training/eval.ts results (README's figure).

/usr/bin/python3 training/plot_sizes.py --out docs/accuracy-by-size.svg \
    --panel "LFW, aligned, folds 1–5" training/results/teacher-folds1-5.json:teacher training/results/student.json:"student (run A)" ...
    [--panel TITLE FILE:MODEL[=LABEL] ...] [--variant aligned]

Each --panel is a subplot; each FILE:MODEL picks the rows of one model (its "model" field) from one results file and
draws its mean accuracy ± std over folds at 8–32 px; "=LABEL" renames it in the legend. Needs matplotlib
(Debian: python3-matplotlib).
"""
from __future__ import annotations

import argparse
import html
import json
from typing import List, Tuple

import matplotlib

matplotlib.use("agg")  # headless: no display on the training machines (savefig picks SVG or PNG by extension)
matplotlib.rcParams["svg.hashsalt"] = "bridgeface"  # fixed SVG ids: with the date left out, reruns give the same file
import matplotlib.pyplot as plt  # noqa: E402

SIZES = ["8", "12", "16", "24", "32"]


def series(spec: str, variant: str) -> Tuple[str, List[int], List[float], List[float]]:
    path, _, who = spec.partition(":")
    model, _, label = who.partition("=")
    rows = [r for r in json.load(open(path)) if r["model"] == model and r["variant"] == variant and r["size"] in SIZES]
    if not rows:
        raise SystemExit(f"{path} has no {variant} rows of model {model!r}")
    rows.sort(key=lambda r: int(r["size"]))
    acc = [r["report"]["accuracy"] for r in rows]
    return label or model, [int(r["size"]) for r in rows], [100 * a["mean"] for a in acc], [100 * a["std"] for a in acc]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", action="append", help="aligned or unaligned, one per panel (default aligned)")
    ap.add_argument("--panel", nargs="+", action="append", required=True, metavar="TITLE FILE:MODEL[=LABEL]")
    args = ap.parse_args(argv)
    variants = args.variant or []
    fig, axes = plt.subplots(1, len(args.panel), figsize=(5.2 * len(args.panel), 4), squeeze=False)
    for k, (ax, (title, *specs)) in enumerate(zip(axes[0], args.panel)):
        variant = variants[k] if k < len(variants) else "aligned"
        for spec in specs:
            label, x, y, e = series(spec, variant)
            ax.errorbar(x, y, yerr=e, marker="o", capsize=3, label=label)
        ax.set_title(title)
        ax.set_xlabel("face width (px)")
        ax.set_xticks([int(s) for s in SIZES])
        ax.set_ylabel("verification accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, metadata={"Date": None})  # no timestamp: the file changes only when the figures do
    if args.out.endswith(".svg"):  # a <title> for screen readers (matplotlib writes none)
        title = "Verification accuracy against face size: " + "; ".join(p[0] for p in args.panel)
        svg = open(args.out, encoding="utf-8").read()
        head = svg.index(">", svg.index("<svg")) + 1
        open(args.out, "w", encoding="utf-8").write(f"{svg[:head]}\n <title>{html.escape(title)}</title>{svg[head:]}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
