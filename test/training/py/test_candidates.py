"""Architecture candidates: each within the issue's budget, and the exported (BN-folded) tensors computed the way the
runtime would (runtime_forward, float64) give the PyTorch model's embeddings. Run by test/training/recipe.node.test.ts."""
import torch

from bridgeface_train.candidates import CANDIDATES, MAX_MACS, MAX_PARAMS, params
from bridgeface_train.model import DEFAULT_ARCH, Student, count_macs, export_tensors, runtime_forward


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


if __name__ == "__main__":
    from runner import run
    run(globals())
