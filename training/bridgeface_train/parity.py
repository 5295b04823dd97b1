"""PyTorch reference embeddings for the runtime parity test.

python3 -m bridgeface_train.parity <weights.bfw> <faces.json> <faces.rgba> <out.f32>
faces.json: [{"width", "height", "offset", "box": {x,y,width,height} | null}], RGBA bytes at offset in faces.rgba.
Preprocessing follows docs/weights-format.md (area resize of the box, edge clamp, (x/255-mean)/std), then the network
from the exported tensors (F.conv2d etc., float64). Also checks that the .bfw reader round-trips.
"""
import json
import sys

import numpy as np
import torch

from .bfw import read_bfw
from .model import runtime_forward
from .preprocess import area_matrix


def main():
    wpath, jpath, rpath, opath = sys.argv[1:5]
    header, tensors = read_bfw(wpath)
    arch = header["architecture"]
    S = arch["inputSize"]
    mean = np.array(header["input"]["mean"])[:, None, None]
    std = np.array(header["input"]["std"])[:, None, None]
    faces = json.load(open(jpath))
    raw = np.fromfile(rpath, np.uint8)
    xs = []
    for f in faces:
        w, h = f["width"], f["height"]
        img = raw[f["offset"]:f["offset"] + w * h * 4].reshape(h, w, 4)[:, :, :3].astype(np.float64).transpose(2, 0, 1)
        b = f.get("box") or {"x": 0.0, "y": 0.0, "width": float(w), "height": float(h)}
        Rx = area_matrix(S, b["x"], b["width"], w)
        Ry = area_matrix(S, b["y"], b["height"], h)
        x = Ry[None] @ img @ Rx.T[None]
        xs.append((x / 255.0 - mean) / std)
    torch.set_num_threads(1)
    e = runtime_forward(arch, tensors, torch.from_numpy(np.stack(xs))).numpy().astype(np.float32)
    e.tofile(opath)


if __name__ == "__main__":
    main()
