"""Behaviour of the LR synthesis (illumination, wide framing) and of the LFW near-duplicate check.
Run by test/training/recipe.node.test.ts (PYTHONPATH=training); exits non-zero on the first failed check."""
import dataclasses
import io

import numpy as np
import torch
from PIL import Image

from bridgeface_train import data as D
from bridgeface_train.dedup import find, hamming, phash
from bridgeface_train.degrade import RECIPES, DegradeConfig, Degrader

OFF = DegradeConfig()  # v1: no illumination, no wide framing


def only(**kw):
    return Degrader(dataclasses.replace(OFF, **kw), 32, seed=3)


def test_v1_has_no_illumination():
    x = torch.rand(8, 3, 16, 16) * 255
    assert torch.equal(Degrader(RECIPES["v1"]).illuminate(x.clone()), x)


def test_shading_is_directional_and_strong():
    x = torch.full((64, 3, 24, 24), 128.0)
    y = only(p_shade=1.0).illuminate(x)
    ratio = y.amax((1, 2, 3)) / y.amin((1, 2, 3))
    # k >= 0.3 over a ramp spanning at least 2 along the light direction: at least e^0.6 between lit and dark side
    assert bool((ratio > 1.75).all()), ratio.min()
    # the gradient is smooth: neighbouring pixels differ far less than the two sides of the face
    assert float((y[..., 1:] - y[..., :-1]).abs().max()) < 0.25 * float((y.amax() - y.amin()))


def test_gamma_keeps_black_and_white_and_moves_midtones():
    ramp = torch.linspace(0, 255, 32).repeat(64, 3, 32, 1)
    y = only(p_gamma=1.0).illuminate(ramp)
    assert torch.allclose(y[..., 0], torch.zeros(()), atol=1e-3) and torch.allclose(y[..., -1], torch.full((), 255.0), atol=1e-2)
    assert bool((y[..., 1:] >= y[..., :-1] - 1e-4).all())  # monotone
    assert float((y[..., 16] - ramp[..., 16]).abs().mean()) > 5


def test_contrast_never_increases():
    x = torch.rand(64, 3, 16, 16) * 255
    y = only(p_contrast=1.0).illuminate(x)
    s_in, s_out = x.std((1, 2, 3)), y.std((1, 2, 3))
    assert bool((s_out <= s_in + 1e-3).all()) and float(s_out.mean()) < 0.8 * float(s_in.mean())


def test_colour_cast_tints_grey():
    y = only(p_cast=1.0).illuminate(torch.full((64, 3, 8, 8), 100.0))
    spread = y.mean((2, 3)).amax(1) - y.mean((2, 3)).amin(1)
    assert float(spread.median()) > 5


def test_wide_framing_spreads_position_and_scale():
    loose = np.ones(4000, bool)
    x0n, y0n, sn = only(p_wide=0.0).boxes(4000, loose)
    x0w, y0w, sw = only(p_wide=1.0).boxes(4000, loose)
    assert np.std(np.log(sw)) > 1.8 * np.std(np.log(sn))
    assert np.std(x0w + sw / 2) > 1.8 * np.std(x0n + sn / 2) and np.std(y0w + sw / 2) > 1.8 * np.std(y0n + sn / 2)


def test_v2_batch_is_valid():
    deg = Degrader(RECIPES["v2"], 32, seed=1)
    chips = torch.rand(32, 3, 75, 75) * 255
    loose = (np.random.default_rng(0).random((32, 88, 88, 3)) * 255).astype(np.uint8)
    out = deg(chips, loose, hr_prob=0.1)
    assert out.shape == (32, 3, 32, 32) and bool(torch.isfinite(out).all()) and float(out.abs().max()) <= 1.0 + 1e-6


def smooth_image(seed, n=150):
    g = np.random.default_rng(seed).random((3, 12, 12, 3))
    img = np.asarray(Image.fromarray((g[0] * 255).astype(np.uint8)).resize((n, n), Image.BICUBIC))
    return img


def jpeg_copy(img, q=70, size=120):
    buf = io.BytesIO()
    Image.fromarray(img).resize((size, size), Image.BILINEAR).save(buf, format="JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB").resize((150, 150), Image.BILINEAR))


def test_phash_matches_copies_not_other_images():
    a, b = smooth_image(1), smooth_image(2)
    h = phash(np.stack([a, jpeg_copy(a), b]))
    assert hamming(h[0], h[1]) <= 6, hamming(h[0], h[1])
    assert hamming(h[0], h[2]) > 16, hamming(h[0], h[2])


def test_find_reports_only_the_copy():
    lfw = [smooth_image(s) for s in range(10)]
    other = [jpeg_copy(lfw[3]), smooth_image(100), smooth_image(101)]
    chips = np.stack(lfw + other)
    rng = np.random.default_rng(0)
    desc = rng.normal(size=(13, 2, 128)).astype(np.float32)
    desc[10] = desc[3] + 0.01 * rng.normal(size=(2, 128))   # the copy: the teacher sees the same face
    desc[11] = desc[4] + 0.01 * rng.normal(size=(2, 128))   # same descriptor, different picture: not a duplicate
    meta = [{"dataset": "lfw" if i < 10 else "other", "path": f"p{i}", "index": i} for i in range(13)]
    part, row = np.zeros(13, np.int64), np.arange(13)
    cache = D.Cache(meta, D.Rows([chips], part, row), D.Rows([chips[:, :88, :88]], part, row), desc)
    found, cand = find(cache, 0.95, 10)
    assert [(o, l) for o, l, _, _ in found] == [(10, 3)], found
    assert cand == 2


if __name__ == "__main__":
    from runner import run
    run(globals())
