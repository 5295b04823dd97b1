"""celeba-200 verification pairs: the generator's invariants on a synthetic set, and the committed list's
(training/data/celeba-200-pairs.tsv) without the images. Run by test/training/python.node.test.ts."""
import os
from collections import defaultdict

from bridgeface_train.celeba_pairs import make_pairs

COMMITTED = os.path.join(os.path.dirname(__file__), "../../../training/data/celeba-200-pairs.tsv")


def check(pairs, person):
    folds_of = defaultdict(set)
    count = defaultdict(lambda: [0, 0])
    for f, same, a, b in pairs:
        assert a != b
        assert (person(a) == person(b)) == same, (a, b, same)
        folds_of[person(a)].add(f)
        folds_of[person(b)].add(f)
        count[f][same] += 1
    assert all(len(v) == 1 for v in folds_of.values()), "a person in two folds"
    assert sorted(count) == list(range(10)) and all(c == [300, 300] for c in count.values()), dict(count)
    assert len({(a, b) for _, _, a, b in pairs}) == len(pairs), "a repeated pair"


def test_generator():
    people = {str(p): [f"celeba-200/images/{p}/{p * 100 + i:06d}.jpg" for i in range(30)] for p in range(1, 195)}
    pairs = make_pairs(people)
    check(pairs, lambda path: path.split("/")[2])
    assert pairs == make_pairs(people), "not deterministic"
    assert pairs != make_pairs(people, seed=1)


def test_committed_list():
    rows = [l.rstrip("\n").split("\t") for l in open(COMMITTED) if not l.startswith("#")][1:]
    pairs = [(int(f) - 1, s == "1", a, b) for f, s, a, b in rows]
    check(pairs, lambda path: path.split("/")[2])
    assert len({p for _, _, a, b in pairs for p in (a.split("/")[2], b.split("/")[2])}) == 194


if __name__ == "__main__":
    from runner import run
    run(globals())
