"""The teacher cache reader and the training split over several sets, on a synthetic cache (no face data).
Run by test/training/python.node.test.ts."""
import json
import os
import tempfile

import numpy as np

from bridgeface_train import data as D
from bridgeface_train.train import labels_for


def write_cache(root, shards):
    """shards: list of lists of meta dicts; chip/loose/desc values encode the global index."""
    for k, metas in enumerate(shards):
        d = os.path.join(root, f"shard-{k}-of-{len(shards)}")
        os.makedirs(d)
        with open(os.path.join(d, "meta.jsonl"), "w") as f:
            for m in metas:
                f.write(json.dumps(m) + "\n")
        idx = np.array([m["index"] for m in metas])
        np.repeat(idx.astype(np.uint8), 150 * 150 * 3).tofile(os.path.join(d, "chips150.u8"))
        np.repeat(idx.astype(np.uint8) + 100, 88 * 88 * 3).tofile(os.path.join(d, "loose88.u8"))
        np.repeat(idx.astype(np.float32), 256).tofile(os.path.join(d, "desc.f32"))
        # a torn last record (an interrupted write) must be ignored
        with open(os.path.join(d, "chips150.u8"), "ab") as f:
            f.write(b"\1" * 1000)


def meta(i, ds, ident):
    return {"index": i, "dataset": ds, "identity": ident, "path": f"{ds}/images/{ident}/{i}.jpg"}


def test_cache_rows_follow_the_global_index():
    with tempfile.TemporaryDirectory() as t:
        write_cache(t, [[meta(0, "lfw", "A"), meta(2, "utkface", "unlabeled"), meta(4, "aaf", "unlabeled")],
                        [meta(1, "lfw", "B"), meta(3, "celeba-200", "7")]])
        c = D.load_cache(t)
        assert [m["index"] for m in c.meta] == [0, 1, 2, 3, 4]
        assert c.chips.shape == (5, 150, 150, 3) and len(c.loose) == 5
        got = c.chips[np.array([4, 1, 3])]
        assert [int(g[0, 0, 0]) for g in got] == [4, 1, 3]
        assert int(c.loose[2][5, 5, 1]) == 102 and c.desc[3, 1, 7] == 3.0


def test_split_sets_validation_and_duplicates():
    metas = [meta(0, "lfw", "Aaron"), meta(1, "lfw", "Zed"), meta(2, "utkface", "unlabeled"),
             meta(3, "celeba-200", "5"), meta(4, "celeba-align-small", "3"), meta(5, "aaf", "unlabeled")]
    c = D.Cache(metas, None, None, np.zeros((6, 2, 128), np.float32))
    pairs = [("Aaron", 1, "Aaron", 2, True, 0)]  # Aaron is in fold 1
    tr, cal = D.split_indices(c, pairs, [0])
    assert list(tr) == [1, 2, 4, 5]  # not the fold-1 person, never the validation set
    tr, _ = D.split_indices(c, pairs, [0], sets={"lfw", "aaf"}, exclude={"aaf/images/unlabeled/5.jpg"})
    assert list(tr) == [1]
    cal_meta = meta(6, "celeba-align-small", "16")  # every 8th CelebA id calibrates, in every CelebA set
    assert D.is_calibration(cal_meta, {}) and not D.is_calibration(meta(7, "celeba-align-small", "17"), {})


def test_labels_one_person_across_celeba_sets_and_no_class_for_unlabelled():
    metas = [meta(0, "celeba-subset", "9"), meta(1, "celeba-align-small", "9"), meta(2, "utkface", "unlabeled"),
             meta(3, "aaf", "unlabeled"), meta(4, "lfw", "Zed"), meta(5, "glint360k-subset", "Zed"), meta(6, "lfw", "Solo")]
    y, n = labels_for(metas, np.arange(7))
    assert n == 2 and y[0] == y[1] >= 0 and y[4] == y[5] >= 0 and y[0] != y[4]
    assert y[2] == y[3] == y[6] == -1


if __name__ == "__main__":
    from runner import run
    run(globals())
