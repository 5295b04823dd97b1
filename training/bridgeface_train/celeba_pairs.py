"""Verification pairs for celeba-200 (../shared/data/extra: 194 CelebA identities × 30 images, none in any training
set): 10 person-disjoint folds × 300 same + 300 different pairs, like LFW View 2, generated deterministically.

python3 -m bridgeface_train.celeba_pairs --data <root with celeba-200/> [--out training/data/celeba-200-pairs.tsv]

Identities (folder names) are shuffled with a fixed seed and split into 10 folds of 19–20 people; within a fold,
same pairs draw a person and two of their images, different pairs two people of the fold and one image each, never
repeating a pair. Output: a TSV of fold (1–10), same (1/0), and the two image paths relative to the data root.
"""
from __future__ import annotations

import argparse
import os
from typing import List, Tuple

import numpy as np

SET = "celeba-200"
SEED = 200
FOLDS = 10
PER_FOLD = 300


def make_pairs(people: dict, seed: int = SEED, folds: int = FOLDS, per_fold: int = PER_FOLD) -> List[Tuple[int, bool, str, str]]:
    """people: identity → sorted image paths. Returns (fold 0-based, same, a, b)."""
    rng = np.random.default_rng(seed)
    ids = sorted(people, key=lambda s: (len(s), s))
    ids = [ids[i] for i in rng.permutation(len(ids))]
    out = []
    for f, group in enumerate(np.array_split(np.array(ids, dtype=object), folds)):
        seen = set()
        multi = [g for g in group if len(people[g]) >= 2]
        while len(seen) < per_fold:
            p = multi[rng.integers(len(multi))]
            i, j = sorted(rng.choice(len(people[p]), 2, replace=False))
            key = (people[p][i], people[p][j])
            if key not in seen:
                seen.add(key)
                out.append((f, True, *key))
        seen = set()
        while len(seen) < per_fold:
            p, q = rng.choice(len(group), 2, replace=False)
            a, b = people[group[p]], people[group[q]]
            key = tuple(sorted((a[rng.integers(len(a))], b[rng.integers(len(b))])))
            if key not in seen:
                seen.add(key)
                out.append((f, False, *key))
    return out


def list_people(root: str) -> dict:
    d = os.path.join(root, SET, "images")
    if not os.path.isdir(d):
        raise SystemExit(f"{d} not found: bring celeba-200 in first (../shared/data/extra/README.md)")
    return {p: sorted(f"{SET}/images/{p}/{f}" for f in os.listdir(os.path.join(d, p)) if f.lower().endswith((".jpg", ".png")))
            for p in os.listdir(d) if os.path.isdir(os.path.join(d, p))}


def write(pairs, path: str, people: dict) -> None:
    with open(path, "w") as fh:
        fh.write(f"# {SET} verification pairs: {FOLDS} person-disjoint folds x {PER_FOLD} same + {PER_FOLD} different; "
                 f"{len(people)} identities, {sum(map(len, people.values()))} images; seed {SEED}; "
                 f"python3 -m bridgeface_train.celeba_pairs\n")
        fh.write("fold\tsame\ta\tb\n")
        for f, same, a, b in pairs:
            fh.write(f"{f + 1}\t{int(same)}\t{a}\t{b}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="training/data/celeba-200-pairs.tsv")
    args = ap.parse_args(argv)
    people = list_people(args.data)
    pairs = make_pairs(people)
    write(pairs, args.out, people)
    print(f"[celeba-pairs] {len(pairs)} pairs of {len(people)} identities → {args.out}")


if __name__ == "__main__":
    main()
