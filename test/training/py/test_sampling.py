"""Set-weighted sampling (--set-weight): the draw proportions, determinism, validation, and an interrupted weighted run
that resumes to the same weights, on a synthetic cache (no face data). Run by test/training/python.node.test.ts."""
import argparse
import json
import os
import tempfile

import numpy as np
import torch

from bridgeface_train import sampling as S
from bridgeface_train import train as T

SETS = ["lfw"] * 100 + ["utkface"] * 300 + ["aaf"] * 600


def test_draws_follow_the_set_factors():
    w = {"lfw": 4.0, "aaf": 0.5}  # utkface unnamed: factor 1; weights 400 : 300 : 300
    shares = S.draw_shares(SETS, w)
    assert shares == {"aaf": 0.3, "lfw": 0.4, "utkface": 0.3}, shares
    p = S.face_probabilities(SETS, w)
    assert abs(p.sum() - 1) < 1e-12 and p[0] == 8 * p[-1] and p[100] == 2 * p[-1]
    counts = np.zeros(len(SETS))
    rng = np.random.default_rng(7)
    for _ in range(200):
        order = S.epoch_order(rng, p, len(SETS))
        assert len(order) == len(SETS) and order.min() >= 0 and order.max() < len(SETS)
        np.add.at(counts, order, 1)
    got = [counts[:100].sum(), counts[100:400].sum(), counts[400:].sum()]
    # 200 000 draws: the standard error of a share is ≈ 0.001
    assert np.allclose(np.array(got) / counts.sum(), [0.4, 0.3, 0.3], atol=0.005), got
    # within a set, every face alike: an lfw face is drawn ~8× as often as an aaf face
    assert 7 < counts[:100].mean() / counts[400:].mean() < 9


def test_the_saved_rng_state_decides_the_draws():
    p = S.face_probabilities(SETS, {"lfw": 3.0})
    a = np.random.default_rng(1)
    first = S.epoch_order(a, p, len(SETS))
    state = a.bit_generator.state
    second = S.epoch_order(a, p, len(SETS))
    b = np.random.default_rng(1)
    assert np.array_equal(S.epoch_order(b, p, len(SETS)), first)
    b.bit_generator.state = state
    assert np.array_equal(S.epoch_order(b, p, len(SETS)), second)
    assert not np.array_equal(first, second)


def test_unweighted_epochs_are_permutations():
    order = S.epoch_order(np.random.default_rng(1), None, 50)
    assert np.array_equal(order, np.random.default_rng(1).permutation(50))
    assert sorted(order) == list(range(50))


def raises(fn, exc, text):
    try:
        fn()
    except exc as e:
        assert text in str(e), str(e)
        return
    raise AssertionError(f"no {exc.__name__} ({text})")


def test_bad_set_weights_are_refused():
    assert S.parse_set_weight("lfw=3.4") == ("lfw", 3.4)
    for bad in ("lfw", "lfw=", "=2", "lfw=0", "lfw=-1", "lfw=nan", "lfw=inf", "lfw=x"):
        raises(lambda: S.parse_set_weight(bad), argparse.ArgumentTypeError, "NAME=FACTOR")
    assert S.set_weights(None, SETS) is None
    assert S.set_weights([("utkface", 2.0), ("lfw", 3.0)], SETS) == {"lfw": 3.0, "utkface": 2.0}
    raises(lambda: S.set_weights([("celeba-200", 2.0)], SETS), SystemExit, "not a set of this run's training faces")
    raises(lambda: S.set_weights([("lfw", 2.0), ("lfw", 3.0)], SETS), SystemExit, "given twice")


def synthetic_root(t):
    """A data root (lfw/pairs.txt, lfw and aaf image folders) and a one-shard teacher cache of 48 random faces:
    24 LFW faces of 6 people not in pairs.txt (the bridge's identities), 24 unlabelled aaf faces."""
    root, cache = os.path.join(t, "data"), os.path.join(t, "cache", "shard-0-of-1")
    for s in ("lfw", "aaf"):
        os.makedirs(os.path.join(root, s, "images"))
    os.makedirs(cache)
    with open(os.path.join(root, "lfw", "pairs.txt"), "w") as f:  # 10 folds of one same and one different pair
        f.write("10\t1\n" + "".join(f"P{k}\t1\t2\nP{k}\t1\tQ{k}\t1\n" for k in range(10)))
    metas = [{"index": i, "dataset": "lfw", "identity": f"Person{i // 4}", "path": f"lfw/images/Person{i // 4}/{i}.jpg"}
             for i in range(24)]
    metas += [{"index": i, "dataset": "aaf", "identity": "unlabeled", "path": f"aaf/images/unlabeled/{i}.jpg"}
              for i in range(24, 48)]
    with open(os.path.join(cache, "meta.jsonl"), "w") as f:
        f.writelines(json.dumps(m) + "\n" for m in metas)
    rng = np.random.default_rng(0)
    rng.integers(0, 256, (48, 150, 150, 3), dtype=np.uint8).tofile(os.path.join(cache, "chips150.u8"))
    rng.integers(0, 256, (48, 88, 88, 3), dtype=np.uint8).tofile(os.path.join(cache, "loose88.u8"))
    rng.standard_normal((48, 2, 128)).astype(np.float32).tofile(os.path.join(cache, "desc.f32"))
    return root, os.path.dirname(cache)


def test_an_interrupted_weighted_run_resumes_to_the_same_weights():
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as t:
        root, cache = synthetic_root(t)

        def run(out, weight="lfw=3"):
            T.main(["--cache", cache, "--data", root, "--split", "A", "--mode", "no-cls", "--epochs", "3",
                    "--bridge-epochs", "2", "--batch", "8", "--threads", "1", "--set-weight", weight, "--out", out])
            return torch.load(os.path.join(out, "student.pt"))

        whole = run(os.path.join(t, "whole"))
        save, saved = T.save_checkpoint, []

        def stop_after_epoch_2(path, args, state):  # an interruption between epochs 2 and 3
            save(path, args, state)
            saved.append(state["epoch"])
            if state["epoch"] == 2:
                raise KeyboardInterrupt

        T.save_checkpoint = stop_after_epoch_2
        try:
            run(os.path.join(t, "resumed"))
        except KeyboardInterrupt:
            pass
        finally:
            T.save_checkpoint = save
        assert saved == [1, 2]
        resumed = run(os.path.join(t, "resumed"))
        log = open(os.path.join(t, "resumed", "log.txt")).read()
        assert "resumed from" in log and "after epoch 2" in log
        assert whole.keys() == resumed.keys()
        for k in whole:
            assert torch.equal(whole[k], resumed[k]), k
        # other factors draw other faces: the weights differ (the factor matters), and such a run may not resume
        # the checkpoint of another
        other = run(os.path.join(t, "other"), "lfw=0.25")
        assert any(not torch.equal(whole[k], other[k]) for k in whole if whole[k].is_floating_point())
        raises(lambda: run(os.path.join(t, "whole"), "lfw=2"), SystemExit, "other arguments")


if __name__ == "__main__":
    from runner import run
    run(globals())
