"""Bridge distillation training: step 1 (bridge on public HR teacher features), step 2 (LR student), export.

python3 -m bridgeface_train.train --cache training/cache/teacher --data <root> --split A --mode full --out training/runs/A
Modes: full (CE + mimic bridge), no-bridge (CE + mimic teacher), no-cls (mimic bridge only), cls-only (CE only).
Splits (honest protocol, see training/README.md): A trains without the people of LFW folds 1–5, B without folds 6–10,
"none" without any person who appears in pairs.txt (evaluable on all 10 folds), "all" on every non-calibration image
(no LFW claim possible). Calibration identities are never trained on.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data as D
from .bfw import BfwError, read_bfw, write_bfw
from .degrade import LOOSE_BOX, RECIPES, Degrader, chip75, eval_input
from .metrics import far_threshold, kfold_accuracy
from .candidates import CANDIDATES
from .model import Student, count_macs, count_params, export_tensors, import_tensors
from .sampling import draw_shares, epoch_order, face_probabilities, parse_set_weight, set_weights

PRELOAD_MAX = 20_000
# The terms each source set was published under (../shared/data/*/README.md): the trained weights inherit the
# strictest, so the header names them all; a set not listed here is reported as "unknown terms".
SET_TERMS = {
    "lfw": "research benchmark (cite the authors)",
    "celeba-subset": "CelebA: non-commercial research only",
    "celeba-align-small": "CelebA: non-commercial research only",
    "glint360k-subset": "Glint360K: research (web-crawled)",
    "utkface": "UTKFace: non-commercial research only",
    "aaf": "All-Age-Faces: research (cite the authors)",
    "mtfl": "MTFL: research (cite the authors); its AFLW part has its own restrictive terms",
}
SPLITS = {"A": [0, 1, 2, 3, 4], "B": [5, 6, 7, 8, 9], "none": list(range(10)), "all": []}


def log(fh, msg):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    fh.write(line + "\n")
    fh.flush()


class CosFace(nn.Module):
    def __init__(self, dim, n, s=32.0, m=0.2):
        super().__init__()
        self.W = nn.Parameter(torch.randn(n, dim) * 0.01)
        self.s, self.m = s, m

    def forward(self, x, y):
        logits = F.linear(F.normalize(x, dim=1), F.normalize(self.W, dim=1))
        onehot = F.one_hot(y, logits.shape[1]).float()
        return F.cross_entropy(self.s * (logits - self.m * onehot), y)


class Bridge(nn.Module):
    """B(t) = normalise(t + W2·PReLU(BN(W1·t))): starts as the identity on the teacher's (normalised) space."""

    def __init__(self, dim=128, hidden=256):
        super().__init__()
        self.l1 = nn.Linear(dim, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.act = nn.PReLU(hidden)
        self.l2 = nn.Linear(hidden, dim)
        nn.init.zeros_(self.l2.weight)
        nn.init.zeros_(self.l2.bias)

    def forward(self, t):
        t = F.normalize(t, dim=1)
        return F.normalize(t + self.l2(self.act(self.bn(self.l1(t)))), dim=1)


def labels_for(meta, idx):
    """Identity classes for training images (one class per person across sets, D.person_key); unlabelled faces and
    identities with a single training image get -1 (mimic term only)."""
    from collections import Counter
    keys = [D.person_key(meta[i]) for i in idx]
    cnt = Counter(k for k in keys if k is not None)
    classes = sorted(k for k, c in cnt.items() if c >= 2)
    cid = {k: j for j, k in enumerate(classes)}
    return np.array([cid.get(k, -1) if k is not None else -1 for k in keys]), len(classes)


def train_bridge(fh, T_all, y, epochs, seed, rel_weight=4.0):
    """Step 1. Inputs: teacher descriptors (chip and mirror) of public HR faces. Loss: CosFace on identities
    (compact, discriminative) + relational term (batch cosine-similarity matrix of B matches the teacher's)."""
    torch.manual_seed(seed)
    lab = y >= 0
    if lab.sum() < 2:  # CosFace needs identities; B starts as the identity map (W2 = 0), so keep that
        log(fh, "bridge: no identity with two training images: the bridge stays the identity")
        return Bridge().eval()
    X = torch.from_numpy(T_all[lab])  # (n,2,128)
    Y = torch.from_numpy(y[lab]).long()
    ncls = int(y.max()) + 1
    B = Bridge()
    head = CosFace(128, ncls, s=32, m=0.25)
    opt = torch.optim.AdamW(list(B.parameters()) + list(head.parameters()), lr=2e-3, weight_decay=5e-4)
    n = len(X)
    steps = epochs * max(1, n // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.1)
    k = 0
    for ep in range(epochs):
        perm = torch.randperm(n)
        tot = [0.0, 0.0]
        for b in range(max(1, n // 256)):
            ids = perm[b * 256:(b + 1) * 256]
            v = torch.randint(0, 2, (len(ids),))
            t = F.normalize(X[ids, v], dim=1)
            z = B(t)
            ce = head(z, Y[ids])
            rel = F.mse_loss(z @ z.T, t @ t.T)
            loss = ce + rel_weight * 100 * rel
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            k += 1
            tot[0] += ce.item(); tot[1] += rel.item()
        if ep % 10 == 0 or ep == epochs - 1:
            log(fh, f"bridge epoch {ep + 1}/{epochs} ce {tot[0] / (b + 1):.3f} rel {tot[1] / (b + 1):.5f}")
    B.eval()
    return B


# Arguments that change what a run computes: a checkpoint is resumed only when all of them match (threads, eval
# cadence and the output folder may differ).
RESUME_KEYS = ("cache", "data", "split", "mode", "epochs", "bridge_epochs", "batch", "lr", "mimic", "arch", "recipe",
               "seed", "limit", "set_weight", "init")


def save_checkpoint(path, args, state):
    """After every epoch: everything the next epoch needs, written to a temporary file and renamed (an interrupted
    write leaves the previous checkpoint)."""
    tmp = path + ".tmp"
    torch.save({**state, "args": {k: getattr(args, k) for k in RESUME_KEYS}}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, args, fh):
    if not os.path.exists(path):
        return None
    ckpt = torch.load(path, weights_only=False)
    want = {k: getattr(args, k) for k in RESUME_KEYS}
    if ckpt["args"] != want:
        diff = {k: (ckpt["args"].get(k), v) for k, v in want.items() if ckpt["args"].get(k) != v}
        raise SystemExit(f"{path} was written by a run with other arguments {diff}: remove it or use another --out")
    return ckpt


@torch.no_grad()
def embed(model, x, bs=512):
    model.eval()
    return torch.cat([model(x[i:i + bs]) for i in range(0, len(x), bs)])


def pair_table(cache, pairs):
    index = {m["path"]: i for i, m in enumerate(cache.meta)}
    pairs = [p for p in pairs if D.lfw_path(p[0], p[1]) in index and D.lfw_path(p[2], p[3]) in index]
    a = np.array([index[D.lfw_path(p[0], p[1])] for p in pairs], dtype=np.int64)
    b = np.array([index[D.lfw_path(p[2], p[3])] for p in pairs], dtype=np.int64)
    same = np.array([p[4] for p in pairs])
    fold = np.array([p[5] for p in pairs])
    return a, b, same, fold


def py_eval(model, cache, pairs, folds, sizes=(8, 12, 16, 24, 32)):
    a, b, same, fold = pair_table(cache, pairs)
    sel = np.isin(fold, folds)
    a, b, same, fold = a[sel], b[sel], same[sel], fold[sel]
    if len(a) == 0 or len(np.unique(fold)) < 2:
        return {}
    uniq = np.unique(np.r_[a, b])
    pos = {u: j for j, u in enumerate(uniq)}
    res = {}
    for s in sizes:
        e = embed(model, eval_input(cache.chips[uniq], s)).numpy()
        sc = np.sum(e[[pos[i] for i in a]] * e[[pos[i] for i in b]], 1)
        res[s] = kfold_accuracy(sc, same, fold)[:2]
    return res


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", default="training/cache/teacher")
    ap.add_argument("--data", action="append", help="a data root (repeatable; default $BRIDGEFACE_DATA, os.pathsep-separated): "
                    "training uses the cached faces of the sets these roots hold; the one with lfw/pairs.txt gives the protocol")
    ap.add_argument("--split", default="A", choices=list(SPLITS))
    ap.add_argument("--mode", default="full", choices=["full", "no-bridge", "no-cls", "cls-only"])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--bridge-epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--mimic", type=float, default=8.0, help="weight of the mimic term (1 - cos)")
    ap.add_argument("--arch", default="v1", choices=list(CANDIDATES), help="student architecture (candidates.py); "
                    "only v1-style (dsc) blocks run in the TypeScript runtime today")
    ap.add_argument("--recipe", default="v2", choices=list(RECIPES), help="LR synthesis (degrade.RECIPES): v1 = the "
                    "first shipped student's, v2 = v1 + illumination + wide framing")
    ap.add_argument("--set-weight", action="append", type=parse_set_weight, metavar="NAME=FACTOR",
                    help="draw the faces of set NAME FACTOR times as often as those of an unnamed set (repeatable; "
                    "sampling.py): each epoch then draws as many faces as there are, with replacement")
    ap.add_argument("--init", metavar="BFW", help="start the student from this weights file (e.g. weights/student.bfw) "
                    "instead of at random: fine-tuning on other faces, or training on after a finished schedule; it must "
                    "be of --arch, and its split must be this run's (its excluded LFW folds are checked)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="smoke tests: use only this many training images")
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    roots = D.data_roots(args.data)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    fh = open(os.path.join(args.out, "log.txt"), "a")
    t_start = time.time()
    # The code that trains is the code at the start (an hour-long run may end several commits later)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or None
    except Exception:  # noqa: BLE001
        commit = None
    log(fh, f"args {vars(args)} at commit {commit}")

    cache = D.load_cache(args.cache)
    pairs = D.parse_pairs(os.path.join(D.lfw_root(roots), "lfw", "pairs.txt"))
    test_folds = SPLITS[args.split]
    try:
        init_header, init_tensors = read_bfw(args.init) if args.init else (None, None)
    except (OSError, BfwError) as e:
        raise SystemExit(f"--init {args.init}: not a readable weights file ({e})")
    excluded = (init_header or {}).get("provenance", {}).get("excludedLfwFolds")
    if excluded is not None and excluded != [f + 1 for f in test_folds]:  # before the bridge and student train
        raise SystemExit(f"--init {args.init} was trained without LFW folds {excluded}, this run tests on "
                         f"{[f + 1 for f in test_folds]}: its LFW figures would not be honest")
    dups = D.near_duplicates(args.cache)
    tr, calib = D.split_indices(cache, pairs, test_folds, sets=D.sets_in(roots), exclude=dups)
    if args.limit:
        tr = tr[np.random.default_rng(args.seed).permutation(len(tr))[: args.limit]]
    face_sets = [cache.meta[i]["dataset"] for i in tr]
    args.set_weight = set_weights(args.set_weight, face_sets)  # checked before the hour of training, not after
    draw_p = face_probabilities(face_sets, args.set_weight) if args.set_weight else None
    y, ncls = labels_for(cache.meta, tr)
    log(fh, f"split {args.split} (test folds {[f + 1 for f in test_folds]}): {len(tr)} training images, {ncls} classes, "
            f"{int((y >= 0).sum())} labelled, {int((y < 0).sum())} unlabelled; {len(calib)} calibration images held out; "
            f"{len(dups)} near-duplicates of LFW images excluded; sets {sorted({cache.meta[i]['dataset'] for i in tr})}")
    if args.set_weight:
        log(fh, f"set weights {args.set_weight}: expected share of the draws {draw_shares(face_sets, args.set_weight)}")
    # Teacher space, centred: dlib descriptors of different people share a large common component (cosine ≈ 0.8),
    # which a BN-ended student learns only slowly; subtract the training-set mean descriptor and renormalise.
    mu = cache.desc[tr].reshape(-1, 128).mean(0)

    def centre(d):
        c = d - mu
        return (c / np.linalg.norm(c, axis=-1, keepdims=True)).astype(np.float32)

    T_all = centre(cache.desc[tr])
    teacher = centre(T_all.mean(1))
    np.save(os.path.join(args.out, "teacher_mean.npy"), mu)

    # ---- step 1: bridge
    t0 = time.time()
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    ckpt = load_checkpoint(ckpt_path, args, fh)
    if args.mode in ("full", "no-cls"):
        if ckpt is not None:  # the bridge defines the targets: a resumed run must keep the one it started with
            bridge = Bridge()
            bridge.load_state_dict(torch.load(os.path.join(args.out, "bridge.pt")))
            bridge.eval()
        else:
            bridge = train_bridge(fh, T_all.astype(np.float32), y, args.bridge_epochs, args.seed)
        with torch.no_grad():
            target = ((bridge(torch.from_numpy(T_all[:, 0])) + bridge(torch.from_numpy(T_all[:, 1]))) / 2)
            target = F.normalize(target, dim=1).numpy()
        torch.save(bridge.state_dict(), os.path.join(args.out, "bridge.pt"))
        # diagnostic: bridge vs teacher on the test folds (HR, Python)
        a, b, same, fold = pair_table(cache, pairs)
        sel = np.isin(fold, test_folds)
        if test_folds and len(np.unique(fold[sel])) >= 2:
            Tt = torch.from_numpy(centre(cache.desc))
            with torch.no_grad():
                Bt = F.normalize(bridge(Tt[:, 0]) + bridge(Tt[:, 1]), dim=1).numpy()
            Tm = D.teacher_targets(cache.desc)
            for name, E in (("teacher", Tm), ("teacher centred", centre(cache.desc.mean(1))), ("bridge", Bt)):
                sc = np.sum(E[a[sel]] * E[b[sel]], 1)
                m, s = kfold_accuracy(sc, same[sel], fold[sel])[:2]
                log(fh, f"HR LFW (test folds) {name}: {100 * m:.2f} ± {100 * s:.2f}")
    else:
        target = teacher
    t_bridge = time.time() - t0
    log(fh, f"bridge stage {t_bridge:.0f}s")

    # ---- step 2: student
    t0 = time.time()
    arch = CANDIDATES[args.arch]
    # channels_last: oneDNN's CPU depthwise and 1×1 convolutions run a training step of the v1 student ~1.35× faster
    # in this layout (656 → 481 ms per 256-face batch, one thread, alternating); the values are the same.
    model = Student(arch).to(memory_format=torch.channels_last)
    log(fh, f"student {args.arch}: {count_params(export_tensors(Student(arch).eval()))} parameters, {count_macs(arch) / 1e6:.2f}M MACs")
    use_cls = args.mode != "no-cls"
    use_mimic = args.mode != "cls-only"
    head = CosFace(128, max(ncls, 1), s=32, m=0.2)
    params = list(model.parameters()) + (list(head.parameters()) if use_cls else [])
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=5e-4)
    spe = max(1, len(tr) // args.batch)
    total = args.epochs * spe
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total, pct_start=0.05)
    deg = Degrader(RECIPES[args.recipe], 32, seed=args.seed)
    # 75-px chips: kept in memory for up to PRELOAD_MAX training faces (67.5 KB each as float32; the faster path),
    # otherwise built per batch from the memory-mapped cache (≈ +15 % per step measured on 256-face batches)
    c75, row_of = None, None
    if len(tr) <= PRELOAD_MAX:
        tr_sorted = np.sort(tr)
        c75, row_of = chip75(cache.chips[tr_sorted]), {g: r for r, g in enumerate(tr_sorted)}
    rng = np.random.default_rng(args.seed + 1)
    target_t = torch.from_numpy(target.astype(np.float32))
    y_t = torch.from_numpy(y).long()
    first_epoch = 0
    init_from = None
    if init_tensors is not None and ckpt is None:
        init_from = init_header.get("provenance", {})
        # BatchNorm statistics from faces like the training batches (a separate degrader: the run's own draws stay)
        probe = np.sort(tr[np.random.default_rng(args.seed + 2).permutation(len(tr))[:1024]])
        xs = Degrader(RECIPES[args.recipe], 32, seed=args.seed + 2)(chip75(cache.chips[probe]), cache.loose[probe],
                                                                     hr_prob=0.1)
        try:
            import_tensors(model, init_tensors, xs.contiguous(memory_format=torch.channels_last))
        except ValueError as e:
            raise SystemExit(f"--init {args.init}: {e} (--arch {args.arch})")
        log(fh, f"student initialised from {args.init} ({init_from.get('gitCommit', 'no commit')}, "
                f"{init_from.get('epochs', '?')} epochs)")
    if ckpt is not None:
        model.load_state_dict(ckpt["model"]); head.load_state_dict(ckpt["head"])
        opt.load_state_dict(ckpt["opt"]); sched.load_state_dict(ckpt["sched"])
        rng.bit_generator.state = ckpt["rng"]; deg.rng.bit_generator.state = ckpt["deg_rng"]
        torch.set_rng_state(ckpt["torch_rng"])
        first_epoch, t0 = ckpt["epoch"], time.time() - ckpt["elapsed"]
        init_from = ckpt.get("init_from")
        log(fh, f"resumed from {ckpt_path} after epoch {first_epoch}")
    for ep in range(first_epoch, args.epochs):
        model.train()
        perm = epoch_order(rng, draw_p, len(tr))
        agg = np.zeros(3)
        te = time.time()
        for b in range(spe):
            j = perm[b * args.batch:(b + 1) * args.batch]
            gi = tr[j]
            order = np.argsort(gi)  # sorted gathers from the cache are faster
            j, gi = j[order], gi[order]
            src = c75[np.array([row_of[g] for g in gi])] if c75 is not None else chip75(cache.chips[gi])
            x = deg(src, cache.loose[gi], hr_prob=0.1).contiguous(memory_format=torch.channels_last)
            z = model(x)
            loss = torch.zeros(())
            ce_v = mim_v = 0.0
            if use_mimic:
                mim = (1 - (z * target_t[j]).sum(1)).mean()
                loss = loss + args.mimic * mim
                mim_v = mim.item()
            if use_cls:
                lab = y_t[j] >= 0
                if lab.any():
                    ce = head(z[lab], y_t[j][lab])
                    loss = loss + ce
                    ce_v = ce.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            agg += [loss.item(), ce_v, mim_v]
        el = time.time() - t0
        eta = el / (ep + 1) * (args.epochs - ep - 1)
        msg = (f"epoch {ep + 1}/{args.epochs} loss {agg[0] / spe:.3f} ce {agg[1] / spe:.3f} mimic(1-cos) {agg[2] / spe:.4f} "
               f"{spe * args.batch / (time.time() - te):.0f} img/s elapsed {el / 60:.1f} min ETA {eta / 60:.1f} min")
        if test_folds and ((ep + 1) % args.eval_every == 0 or ep + 1 == args.epochs):
            r = py_eval(model, cache, pairs, test_folds, sizes=(12, 16, 32))
            msg += " | py LFW " + " ".join(f"{s}px {100 * m:.1f}" for s, (m, _) in r.items())
        log(fh, msg)
        save_checkpoint(ckpt_path, args, {
            "model": model.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
            "rng": rng.bit_generator.state, "deg_rng": deg.rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
            "epoch": ep + 1, "elapsed": time.time() - t0, "init_from": init_from})
    t_student = time.time() - t0
    model.eval()
    torch.save(model.state_dict(), os.path.join(args.out, "student.pt"))

    # ---- calibration: cosine thresholds at FAR 1e-2 / 1e-3 on held-out calibration identities (aligned, 12–32 px)
    t0 = time.time()
    thresholds = {}
    if len(calib) > 10:
        keys = np.array([(cache.meta[i]["dataset"] + "/" + cache.meta[i]["identity"]) for i in calib])
        imp, gen = [], []
        for s in (12, 16, 24, 32):
            e = embed(model, eval_input(cache.chips[calib], s)).numpy()
            S = e @ e.T
            iu = np.triu_indices(len(calib), 1)
            diff = keys[iu[0]] != keys[iu[1]]
            imp.append(S[iu][diff])
            gen.append(S[iu][~diff])
        imp, gen = np.concatenate(imp), np.concatenate(gen)

        def point(f):  # match iff similarity >= threshold, the rule verify uses
            t = far_threshold(imp, f)  # already 4 places, rounded up: rounding to nearest could admit more impostors
            return {"threshold": t, "tar": round(float((gen >= t).mean()), 4) if len(gen) else None, "far": round(float((imp >= t).mean()), 6)}

        # Version 2 form (docs/weights-format.md): one pooled threshold per FAR, stored as the full-resolution entry.
        thresholds = {"calibration": f"{len(gen)} genuine and {len(imp)} impostor pairs of {len(calib)} held-out calibration images, aligned, 12-32 px pooled",
                      "sizes": {"hr": {"far_1e-2": point(1e-2), "far_1e-3": point(1e-3)}}}
        log(fh, f"thresholds {thresholds} from {len(imp)} impostor pairs of {len(calib)} held-out calibration images")

    # ---- export
    tensors = export_tensors(model)
    datasets = {}
    for i in tr:
        datasets[cache.meta[i]["dataset"]] = datasets.get(cache.meta[i]["dataset"], 0) + 1
    header = {
        "architecture": arch,
        "input": {
            "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "resize": "area",
            "crop": {
                "aligned": {"convention": "dlib face chip: 150x150, padding 0.25, least-squares similarity fit of "
                            "face-api 68 landmarks (nose, eyes, mouth without lower lip) to dlib's mean face; pass the whole chip"},
                "loose": {"convention": "LFW deep-funneled framing (250x250, face box ~ central 114 px): box in 250-px frame "
                          "coordinates", "frame": 250, "box": {"x": LOOSE_BOX[0], "y": LOOSE_BOX[1], "width": LOOSE_BOX[2], "height": LOOSE_BOX[2]},
                          "jitterTrained": {"scale": RECIPES[args.recipe].loose_scale, "shift": RECIPES[args.recipe].loose_shift,
                                            "wide": {"share": RECIPES[args.recipe].p_wide, "scale": RECIPES[args.recipe].wide_scale,
                                                     "shift": RECIPES[args.recipe].wide_shift}}},
                "detector": {"convention": "from a face-api tinyFaceDetector box (side = max(width, height)): a square box of "
                             "side 1.013*side centred at the detector centre + (0.015, -0.048)*side approximates the chip box "
                             "(medians over training images)", "scale": 1.013, "dx": 0.015, "dy": -0.048},
            },
        },
        **({"thresholds": thresholds} if thresholds else {}),
        "provenance": {
            "trained": True,
            "method": "bridge distillation (Ge et al., TIP 2020), reimplemented: see training/README.md",
            "teacher": "dlib_face_recognition_resnet_model_v1 via @vladmandic/face-api 1.7.15",
            "mode": args.mode, "split": args.split,
            "excludedLfwFolds": [f + 1 for f in test_folds],
            "datasets": datasets, "trainingImages": int(len(tr)), "classes": int(ncls),
            "datasetTerms": {d: SET_TERMS.get(d, "unknown terms") for d in sorted(datasets)},
            "use": "research and evaluation only: the training sets above include non-commercial research-only data; "
                   "retrain on data you hold the rights to for any other use (training/README.md)",
            "calibrationImages": int(len(calib)),
            "epochs": args.epochs,
            **({"initialisedFrom": {"file": os.path.basename(args.init), **{k: v for k, v in (init_from or {}).items()
                                    if k in ("gitCommit", "epochs", "date", "trainingImages")}}} if args.init else {}),
            "bridgeEpochs": args.bridge_epochs if args.mode in ("full", "no-cls") else 0,
            **({"setWeights": args.set_weight, "drawShares": draw_shares(face_sets, args.set_weight)} if args.set_weight else {}),
            "batch": args.batch, "lr": args.lr, "mimicWeight": args.mimic, "seed": args.seed,
            "lrSynthesis": {"recipe": args.recipe, **{k: v for k, v in dataclasses.asdict(RECIPES[args.recipe]).items()},
                            "kernels": list(RECIPES[args.recipe].kernels), "hrProb": 0.1, "finalResize": "area to 32"},
            "gitCommit": commit, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "parameters": count_params(tensors),
        },
    }
    write_bfw(os.path.join(args.out, "student.bfw"), header, tensors)
    times = {"bridge_s": round(t_bridge), "student_s": round(t_student), "calib_export_s": round(time.time() - t0),
             "total_s": round(time.time() - t_start)}
    json.dump({"times": times, "thresholds": thresholds, "args": vars(args)}, open(os.path.join(args.out, "summary.json"), "w"), indent=1)
    log(fh, f"wrote {os.path.join(args.out, 'student.bfw')} ({count_params(tensors)} params) times {times}")


if __name__ == "__main__":
    main()
