"""The student network (runtime architecture family) with BatchNorm for training, BN folding and export."""
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
            self.blocks.append(nn.ModuleDict({"dw": ConvBN(c, c, 3, s, 1, c, a), "pw": ConvBN(c, o, 1, 1, 0, 1, a)}))
            self.residual.append(bool(b["residual"]))
            c = o
            S = out_size(S, s)
        self.final = S
        self.pooling = arch["pooling"]
        if self.pooling == "gdc":
            self.pool = ConvBN(c, c, S, 1, 0, c, None)
        self.fc = nn.Linear(c, arch["embeddingDim"], bias=False)
        self.fc_bn = nn.BatchNorm1d(arch["embeddingDim"])

    def forward(self, x, normalise: bool = True):
        x = self.stem(x)
        for blk, res in zip(self.blocks, self.residual):
            y = blk["pw"](blk["dw"](x))
            x = x + y if res else y
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

    put("stem", model.stem)
    for i, blk in enumerate(model.blocks):
        put(f"blocks.{i}.dw", blk["dw"])
        put(f"blocks.{i}.pw", blk["pw"])
    if model.pooling == "gdc":
        put("pool", model.pool)
    w, b = _fold(model.fc.weight, model.fc_bn)
    t["fc.weight"] = w.float().numpy()
    t["fc.bias"] = b.float().numpy()
    return t


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
        c = x.shape[1]
        y = act(F.conv2d(x, T[f"blocks.{i}.dw.weight"], T[f"blocks.{i}.dw.bias"], b["stride"], 1, groups=c), f"blocks.{i}.dw")
        y = act(F.conv2d(y, T[f"blocks.{i}.pw.weight"], T[f"blocks.{i}.pw.bias"]), f"blocks.{i}.pw")
        x = x + y if b["residual"] else y
    if arch["pooling"] == "gdc":
        x = F.conv2d(x, T["pool.weight"], T["pool.bias"], groups=x.shape[1]).flatten(1)
    else:
        x = x.mean((2, 3))
    x = F.linear(x, T["fc.weight"], T["fc.bias"])
    return F.normalize(x, dim=1)


def count_params(tensors: Dict[str, np.ndarray]) -> int:
    return int(sum(np.prod(v.shape) for v in tensors.values()))
