"""The tracer on a CUDA device (skipped without one; scripts/gpu_check.sh runs these)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]

from losslint.tracer import measure, op_timing, table  # noqa: E402
from losslint.tracer.spec import PairSpec  # noqa: E402


def test_trace_all_on_cuda_agrees_with_the_catalog():
    rows = table.trace_all(device="cuda", dtype="float32")
    assert all(r["device"] == "cuda" for r in rows)
    assert table.disagreements(rows) == [], table.render(rows)


@pytest.mark.parametrize(
    "spec, quantity, expected",
    [
        (PairSpec("sigmoid", "BCELoss"), "gradient", 16.64),
        (PairSpec("log_softmax", "NLLLoss", spelling="log"), "gradient", 88.72),
        (PairSpec("log_softmax", "NLLLoss", spelling="log"), "loss", 103.97),
        (PairSpec("logsigmoid", None, spelling="log"), "gradient", 88.72),
    ],
    ids=["sigmoid-bce", "log-softmax-grad", "log-softmax-loss", "log-sigmoid"],
)
def test_float32_thresholds_on_cuda(spec, quantity, expected):
    stability = measure.trace(spec, device="cuda")["stability"]
    # CUDA's exp/log may round differently from the CPU's; within 0.1 of the CPU figure.
    assert stability[quantity]["from"] == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("loss", ["CrossEntropyLoss", "BCEWithLogitsLoss"])
def test_best_pairs_stay_best_in_half_precision_on_cuda(dtype, loss):
    assert measure.trace(PairSpec("none", loss), device="cuda", dtype=dtype)["verdict"] == "best"


def test_fused_and_separate_are_timed_on_cuda():
    rows = op_timing.fused_vs_separate(device="cuda", min_run_time=0.05,
                                   sizes={"multiclass": ((4096, 1000),), "binary": ((1 << 20,),)})
    for row in rows:
        assert row["device"] == "cuda" and row["fused_us"] > 0 and row["separate_us"] > 0


def test_watch_on_cuda_reports_and_changes_nothing():
    import losslint

    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 8), nn.Softmax(dim=1)).cuda()
    x, y = torch.randn(32, 16, device="cuda"), torch.randint(0, 8, (32,), device="cuda")
    plain = nn.CrossEntropyLoss()(model(x), y).item()
    with losslint.watch(action="collect") as w:
        watched = nn.CrossEntropyLoss()(model(x).to("cuda"), y).item()
    assert watched == plain
    assert [r.code for r in w.reports] == ["LL103"]


def test_a_pair_that_raises_leaves_the_cuda_context_usable():
    # Logits into BCELoss is a device-side assert on CUDA, which would poison every later
    # CUDA call; the tracer raises the CPU's error on the host instead.
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        from losslint.tracer import ops

        spec = PairSpec("none", "BCELoss")
        z, target = ops.make_data(spec, 0)
        ops.value_and_grad(spec, z.cuda().float(), ops.target_as(target, torch.float32, "cuda"), {})
    assert measure.trace(PairSpec("none", "CrossEntropyLoss"), device="cuda")["verdict"] == "best"
