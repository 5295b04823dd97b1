"""The student network (runtime architecture family) with BatchNorm for training, BN folding and export.

Block types (architecture.blocks[i].type, docs/weights-format.md; the runtime runs both): "dsc" (default): 3×3
depthwise → act → 1×1 pointwise → act (+ input); "ir" (inverted residual, MobileNetV2 / MobileFaceNet): 1×1 expand to
expand·C → act → 3×3 depthwise → act → 1×1 linear projection (+ input). Optional "head": a 1×1 conv + act to
head.channels before the pooling (MobileFaceNet's 512-channel layer).
"""
from __future__ import annotations

import copy
from typing import Any, Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_ARCH: Dict[str, Any] = {
    "inputSize": 32, "activation": "prelu", "stem": {"channels": 32, "stride": 1},
    "blocks": [{"channels": 64, "stride": 2, "residual": False}, {"channels": 64, "stride": 1, "residual": True},
               {"channels": 128, "stride": 2, "residual": False}, {"channels": 128, "stride": 1, "residual": True},
               {"channels": 128, "stride": 1, "residual": True}, {"channels": 256, "stride": 2, "residual": False},
               {"channels": 256, "stride": 1, "residual": True}],
    "pooling": "gdc", "embeddingDim": 128,
}


def out_size(n: int, s: int) -> int:
    return (n - 1) // s + 1


def _act(kind: str, c: int) -> nn.Module:
    return nn.PReLU(c, init=0.25) if kind == "prelu" else nn.ReLU()


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride, pad, groups, act: str | None):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = _act(act, cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.act(x) if self.act is not None else x


class Student(nn.Module):
    def __init__(self, arch: Dict[str, Any] = DEFAULT_ARCH):
        super().__init__()
        self.arch = copy.deepcopy(arch)
        a = arch["activation"]
        S = arch["inputSize"]
        c = arch["stem"]["channels"]
        self.stem = ConvBN(3, c, 3, arch["stem"]["stride"], 1, 1, a)
        S = out_size(S, arch["stem"]["stride"])
        self.blocks = nn.ModuleList()
        self.residual = []
        for b in arch["blocks"]:
            o, s = b["channels"], b["stride"]
            if b["residual"] and (s != 1 or o != c):
                raise ValueError("residual needs stride 1 and equal channels")
            if block_type(b) == "ir":
                e = c * b["expand"]
                self.blocks.append(nn.ModuleDict({"expand": ConvBN(c, e, 1, 1, 0, 1, a), "dw": ConvBN(e, e, 3, s, 1, e, a),
                                                  "project": ConvBN(e, o, 1, 1, 0, 1, None)}))
            else:
                self.blocks.append(nn.ModuleDict({"dw": ConvBN(c, c, 3, s, 1, c, a), "pw": ConvBN(c, o, 1, 1, 0, 1, a)}))
            self.residual.append(bool(b["residual"]))
            c = o
            S = out_size(S, s)
        self.head = ConvBN(c, arch["head"]["channels"], 1, 1, 0, 1, a) if arch.get("head") else None
        c = arch["head"]["channels"] if arch.get("head") else c
        self.final = S
        self.pooling = arch["pooling"]
        if self.pooling == "gdc":
            self.pool = ConvBN(c, c, S, 1, 0, c, None)
        self.fc = nn.Linear(c, arch["embeddingDim"], bias=False)
        self.fc_bn = nn.BatchNorm1d(arch["embeddingDim"])

    def forward(self, x, normalise: bool = True):
        x = self.stem(x)
        for blk, res in zip(self.blocks, self.residual):
            y = blk["project"](blk["dw"](blk["expand"](x))) if "expand" in blk else blk["pw"](blk["dw"](x))
            x = x + y if res else y
        if self.head is not None:
            x = self.head(x)
        if self.pooling == "gdc":
            x = self.pool(x).flatten(1)
        else:
            x = x.mean((2, 3))
        x = self.fc_bn(self.fc(x))
        return F.normalize(x, dim=1) if normalise else x


def _fold(conv_w: torch.Tensor, bn: nn.BatchNorm2d | nn.BatchNorm1d):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    w = conv_w * scale.reshape(-1, *([1] * (conv_w.dim() - 1)))
    b = bn.bias - bn.running_mean * scale
    return w.detach().double(), b.detach().double()


def _conv_bns(model: Student):
    """(name, ConvBN) in export order: the names export_tensors gives them."""
    yield "stem", model.stem
    for i, blk in enumerate(model.blocks):
        for part in blk:   # ModuleDict order: dw, pw | expand, dw, project
            yield f"blocks.{i}.{part}", blk[part]
    if model.head is not None:
        yield "head", model.head
    if model.pooling == "gdc":
        yield "pool", model.pool


@torch.no_grad()
def export_tensors(model: Student) -> Dict[str, np.ndarray]:
    """Fold BN into convs; tensor names/order as docs/weights-format.md."""
    t: Dict[str, np.ndarray] = {}
    prelu = model.arch["activation"] == "prelu"

    def put(name, cb: ConvBN):
        w, b = _fold(cb.conv.weight, cb.bn)
        t[f"{name}.weight"] = w.float().numpy()
        t[f"{name}.bias"] = b.float().numpy()
        if cb.act is not None and prelu:
            t[f"{name}.prelu"] = cb.act.weight.detach().float().numpy().copy()

    for name, cb in _conv_bns(model):
        put(name, cb)
    w, b = _fold(model.fc.weight, model.fc_bn)
    t["fc.weight"] = w.float().numpy()
    t["fc.bias"] = b.float().numpy()
    return t


@torch.no_grad()
def import_tensors(model: Student, tensors: Dict[str, np.ndarray], x: torch.Tensor) -> None:
    """The inverse of export_tensors, for fine-tuning a shipped student: after it, the model computes the exported
    function both in eval mode (exactly) and in train mode on batches like `x` (approximately).

    Folding lost each BatchNorm's statistics, so they are re-derived from the data: each layer first gets the folded
    weights with an identity BN (scale 1, shift = folded bias), one eval pass over `x` records every BN input's
    per-channel mean μ and variance σ², then each BN is set to γ = √(σ² + ε), β = μ + bias and running statistics
    (μ, σ²). In eval mode that is z − μ + μ + bias = z + bias; in train mode a batch's own statistics stand in for μ
    and σ², so the first steps start from the exported network rather than from a re-normalised one.
    Raises ValueError when the tensors do not fit the model (another architecture)."""
    want = export_tensors(model)  # only the names and shapes are compared
    if set(want) != set(tensors) or any(tuple(want[k].shape) != tuple(np.shape(tensors[k])) for k in want):
        raise ValueError("the weights do not fit this architecture (tensor names or shapes differ)")
    T = {k: torch.from_numpy(np.asarray(v, dtype=np.float32)) for k, v in tensors.items()}
    pairs = [(name, cb.conv, cb.bn) for name, cb in _conv_bns(model)] + [("fc", model.fc, model.fc_bn)]
    for name, layer, bn in pairs:
        layer.weight.copy_(T[f"{name}.weight"].reshape(layer.weight.shape))
        bn.weight.fill_(1.0)
        bn.bias.copy_(T[f"{name}.bias"])
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
    for name, cb in _conv_bns(model):
        if cb.act is not None and model.arch["activation"] == "prelu":
            cb.act.weight.copy_(T[f"{name}.prelu"])
    stats = {}

    def record(bn, inp):
        z = inp[0].double()
        dims = [d for d in range(z.dim()) if d != 1]
        stats[bn] = (z.mean(dims), z.var(dims, unbiased=False))

    hooks = [bn.register_forward_pre_hook(record) for _, _, bn in pairs]
    was_training = model.training
    model.eval()
    try:
        model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    for _, _, bn in pairs:
        mu, var = stats[bn]
        bn.weight.copy_(torch.sqrt(var + bn.eps))
        bn.bias.add_(mu)
        bn.running_mean.copy_(mu)
        bn.running_var.copy_(var)


def runtime_forward(arch: Dict[str, Any], tensors: Dict[str, np.ndarray], x: torch.Tensor) -> torch.Tensor:
    """What the runtime computes from exported tensors (no BN), in float64 torch: the PyTorch reference."""
    T = {k: torch.from_numpy(np.asarray(v, dtype=np.float64)) for k, v in tensors.items()}
    x = x.double()

    def act(v, name):
        if arch["activation"] == "prelu":
            return F.prelu(v, T[f"{name}.prelu"])
        return F.relu(v)

    x = act(F.conv2d(x, T["stem.weight"], T["stem.bias"], arch["stem"]["stride"], 1), "stem")
    for i, b in enumerate(arch["blocks"]):
        n = f"blocks.{i}"
        if block_type(b) == "ir":
            y = act(F.conv2d(x, T[f"{n}.expand.weight"], T[f"{n}.expand.bias"]), f"{n}.expand")
            y = act(F.conv2d(y, T[f"{n}.dw.weight"], T[f"{n}.dw.bias"], b["stride"], 1, groups=y.shape[1]), f"{n}.dw")
            y = F.conv2d(y, T[f"{n}.project.weight"], T[f"{n}.project.bias"])
        else:
            y = act(F.conv2d(x, T[f"{n}.dw.weight"], T[f"{n}.dw.bias"], b["stride"], 1, groups=x.shape[1]), f"{n}.dw")
            y = act(F.conv2d(y, T[f"{n}.pw.weight"], T[f"{n}.pw.bias"]), f"{n}.pw")
        x = x + y if b["residual"] else y
    if arch.get("head"):
        x = act(F.conv2d(x, T["head.weight"], T["head.bias"]), "head")
    if arch["pooling"] == "gdc":
        x = F.conv2d(x, T["pool.weight"], T["pool.bias"], groups=x.shape[1]).flatten(1)
    else:
        x = x.mean((2, 3))
    x = F.linear(x, T["fc.weight"], T["fc.bias"])
    return F.normalize(x, dim=1)


def count_params(tensors: Dict[str, np.ndarray]) -> int:
    return int(sum(np.prod(v.shape) for v in tensors.values()))


def block_type(b: Dict[str, Any]) -> str:
    return b.get("type", "dsc")


def count_macs(arch: Dict[str, Any]) -> int:
    """Multiply–accumulates per face, counted as the runtime's network.ts counts them (convolutions, pooling, FC)."""
    S = out_size(arch["inputSize"], arch["stem"]["stride"])
    c = arch["stem"]["channels"]
    m = 27 * c * S * S
    for b in arch["blocks"]:
        o, T = b["channels"], out_size(S, b["stride"])
        if block_type(b) == "ir":
            e = c * b["expand"]
            m += c * e * S * S + 9 * e * T * T + e * o * T * T
        else:
            m += 9 * c * T * T + c * o * T * T
        c, S = o, T
    if arch.get("head"):
        m += c * arch["head"]["channels"] * S * S
        c = arch["head"]["channels"]
    if arch["pooling"] == "gdc":
        m += c * S * S
    return m + c * arch["embeddingDim"]
