"""ops.device_checks raises on the host what the CPU kernels raise, so that a pair that is
a device-side assert on CUDA (which poisons the CUDA context) is reported like on the CPU.
These run on the CPU: they compare the host check with the CPU kernel itself."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from losslint.tracer import ops  # noqa: E402

F = torch.nn.functional


def _raised(call):
    try:
        call()
    except (RuntimeError, IndexError) as exc:
        return type(exc), str(exc).splitlines()[0]
    return None


@pytest.mark.parametrize("scale", [3.0, 0.0])
def test_bce_input_range_matches_the_cpu_kernel(scale):
    z = torch.randn(64, generator=torch.Generator().manual_seed(0)) * scale + (0.5 if scale == 0 else 0)
    y = torch.ones(64)
    cpu = _raised(lambda: F.binary_cross_entropy(z, y))
    host = _raised(lambda: ops.device_checks("BCELoss", z, y, {}))
    assert (cpu is None) == (host is None)
    if cpu:
        assert host[0] is cpu[0] and host[1] in cpu[1]


@pytest.mark.parametrize("loss", ["NLLLoss", "CrossEntropyLoss"])
@pytest.mark.parametrize("targets, ignore", [([0, 1, 2], -100), ([0, 3, 1], -100), ([0, 5, 1], 5), ([-1, 0], -100)])
def test_class_index_range_matches_the_cpu_kernel(loss, targets, ignore):
    out = torch.log_softmax(torch.randn(len(targets), 3), dim=1)
    target = torch.tensor(targets)
    kwargs = {"ignore_index": ignore}
    function = ops.LOSS_FUNCTIONS[loss]
    cpu = _raised(lambda: function(out, target, **kwargs))
    host = _raised(lambda: ops.device_checks(loss, out, target, kwargs))
    assert (cpu is None) == (host is None), (cpu, host)
    if cpu:
        assert host[0] is cpu[0] and host[1] == cpu[1]
