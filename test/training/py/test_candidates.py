"""Architecture candidates: each within the issue's budget, and the exported (BN-folded) tensors computed the way the
runtime would (runtime_forward, float64) give the PyTorch model's embeddings, and importing them back (fine-tuning
from a weights file) gives the same network. Run by test/training/python.node.test.ts."""
import torch

from bridgeface_train.candidates import CANDIDATES, MAX_MACS, MAX_PARAMS, params
from bridgeface_train.model import DEFAULT_ARCH, Student, count_macs, export_tensors, import_tensors, runtime_forward


def test_budget():
    for name, arch in CANDIDATES.items():
        assert params(arch) <= MAX_PARAMS and count_macs(arch) <= MAX_MACS, name
    assert len(CANDIDATES) >= 5


def test_shipped_counts():
    # the figures the runtime reports for the shipped architecture (README, network.ts)
    assert params(DEFAULT_ARCH) == 194_432 and count_macs(DEFAULT_ARCH) == 7_149_568


def test_export_matches_model():
    torch.manual_seed(0)
    x = torch.randn(6, 3, 32, 32)
    for name, arch in CANDIDATES.items():
        m = Student(arch)
        m.train()
        for _ in range(3):  # non-trivial BatchNorm statistics to fold
            m(torch.randn(16, 3, 32, 32) * 2 + 0.3)
        m.eval()
        with torch.no_grad():
            ref = m(x).double()
        got = runtime_forward(arch, export_tensors(m), x)
        assert float((ref - got).abs().max()) < 1e-4, (name, float((ref - got).abs().max()))



def trained(arch, seed):
    torch.manual_seed(seed)
    m = Student(arch)
    m.train()
    for _ in range(3):  # non-trivial BatchNorm statistics and PReLU slopes to carry over
        m(torch.randn(16, 3, 32, 32) * 2 + 0.3)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return m.eval()


def test_import_gives_the_exported_network():
    x = torch.randn(64, 3, 32, 32) * 1.5 + 0.2
    for name, arch in CANDIDATES.items():
        src = trained(arch, 1)
        tensors = export_tensors(src)
        dst = trained(arch, 2)  # other weights and statistics, all overwritten
        import_tensors(dst, tensors, x)
        with torch.no_grad():
            want = src(x)
            assert float((dst(x) - want).abs().max()) < 1e-4, name  # eval mode: exactly the exported function
            back = export_tensors(dst)
            assert max(float(abs(back[k] - tensors[k]).max()) for k in tensors) < 1e-4, name  # and it folds back
            dst.train()  # train mode on the batch the statistics came from: the same function, not a re-normalised one
            assert float((dst(x) - want).abs().max()) < 1e-3, name
        assert dst.training


def test_import_refuses_another_architecture():
    names = list(CANDIDATES)
    tensors = export_tensors(trained(CANDIDATES[names[0]], 1))
    other = next(n for n in names[1:] if CANDIDATES[n] != CANDIDATES[names[0]])
    try:
        import_tensors(Student(CANDIDATES[other]), tensors, torch.randn(8, 3, 32, 32))
    except ValueError as e:
        assert "architecture" in str(e)
    else:
        raise AssertionError("import_tensors took another architecture's weights")


if __name__ == "__main__":
    from runner import run
    run(globals())
