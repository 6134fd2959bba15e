"""losslint.watch(): provenance of tensors during real code, reported at the loss call."""

from __future__ import annotations

import gc
import inspect
import warnings
import weakref

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import losslint  # noqa: E402
from losslint.tracer.watch import LosslintWarning, Watch, WrongPairError  # noqa: E402

HERE = __file__


def _line(marker: str) -> str:
    """file:line of the line in this file that contains `marker`."""
    lines, start = inspect.getsourcelines(inspect.getmodule(_line))
    for number, text in enumerate(lines, start=max(start, 1)):
        if marker in text and "_line(" not in text:
            return f"{HERE}:{number}"
    raise AssertionError(marker)


def _mode_depth() -> int:
    return torch._C._len_torch_function_stack()


class Net(nn.Module):
    def __init__(self, final: nn.Module | None):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5))
        self.final = final

    def forward(self, x):
        logits = self.body(x)
        return self.final(logits) if self.final is not None else logits  # <final applied>


def test_softmax_module_into_cross_entropy_reports_both_sites():
    model = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3), nn.Softmax(dim=1))
    criterion = nn.CrossEntropyLoss()
    x, y = torch.randn(4, 8), torch.tensor([0, 1, 2, 0])
    with losslint.watch(action="collect") as w:
        for _ in range(3):
            out = model(x)  # <model call>
            criterion(out, y).backward()  # <loss call>
    [report] = w.reports
    assert (report.code, report.verdict, report.activation, report.loss) == ("LL103", "wrong", "softmax", "CrossEntropyLoss")
    assert report.activation_at == _line("# <model call>")
    assert report.activation_what == "nn.Softmax (child '3' of Sequential)"
    assert report.loss_at == _line("# <loss call>")
    assert report.loss_what == "nn.CrossEntropyLoss"
    assert report.count == 3


def test_activation_stored_on_the_model_points_into_forward():
    model = Net(nn.Sigmoid())
    with losslint.watch(action="collect") as w:
        F.binary_cross_entropy_with_logits(model(torch.randn(2, 12)), torch.ones(2, 5))  # <bce call>
    [report] = w.reports
    assert report.code == "LL202"
    assert report.activation_at == _line("# <final applied>")
    assert report.activation_what == "nn.Sigmoid (child 'final' of Net)"
    assert report.loss_at == _line("# <bce call>") and report.loss_what == "F.binary_cross_entropy_with_logits"


@pytest.mark.parametrize(
    "reshape",
    [
        lambda t: t.view(4, 3),
        lambda t: t.reshape(-1, 3),
        lambda t: t.unsqueeze(0).squeeze(0),
        lambda t: t[:, :],
        lambda t: t.float().to(torch.float32).contiguous(),
        lambda t: torch.flatten(t.unsqueeze(-1), 1),
        lambda t: t.clone().detach(),
    ],
    ids=["view", "reshape", "unsqueeze-squeeze", "index", "float-to-contiguous", "torch.flatten", "clone-detach"],
)
def test_provenance_survives_shape_only_ops(reshape):
    with losslint.watch(action="collect") as w:
        probs = torch.softmax(torch.randn(4, 3), dim=1)
        F.nll_loss(reshape(probs), torch.tensor([0, 1, 2, 0]))
    assert [r.code for r in w.reports] == ["LL102"]


def test_arithmetic_ends_provenance():
    with losslint.watch(action="collect") as w:
        probs = torch.softmax(torch.randn(4, 3), dim=1)
        F.nll_loss(probs * 2.0 - 1.0, torch.tensor([0, 1, 2, 0]))
        F.nll_loss(torch.log(probs + 1e-8), torch.tensor([0, 1, 2, 0]))  # not a plain log of a softmax
    assert w.reports == []


def test_in_place_changes_end_provenance():
    with losslint.watch(action="collect") as w:
        probs = torch.softmax(torch.randn(4, 3), dim=1)
        probs.mul_(3.0)
        F.nll_loss(probs, torch.tensor([0, 1, 2, 0]))
    assert w.reports == []


def test_log_of_softmax_and_logits_into_nll():
    head = nn.Linear(7, 4)
    x, y = torch.randn(3, 7), torch.tensor([3, 0, 1])
    with losslint.watch(action="collect") as w:
        F.nll_loss(torch.log(F.softmax(head(x), dim=1)), y)
        F.nll_loss(F.softmax(head(x), dim=1).log(), y)  # noqa: LL105 - on purpose
        F.nll_loss(head(x), y)
    assert [(r.code, r.activation_what) for r in w.reports] == [
        ("LL105", "torch.log(softmax)"), ("LL105", "torch.log(softmax)"), ("LL101", "nn.Linear")]


def test_beyond_the_quiz_losses():
    z, target = torch.randn(6, 4), torch.softmax(torch.randn(6, 4), dim=1)
    with losslint.watch(action="collect") as w:
        nn.KLDivLoss(reduction="batchmean")(F.softmax(z, dim=1), target)
        nn.KLDivLoss(reduction="batchmean")(F.log_softmax(z, dim=1), target)  # right
        nn.MultiLabelSoftMarginLoss()(torch.sigmoid(z), (target > 0.25).float())
        F.soft_margin_loss(torch.sigmoid(z[:, 0]), torch.ones(6))
    assert [(r.code, r.loss) for r in w.reports] == [
        ("LL301", "KLDivLoss"), ("LL304", "MultiLabelSoftMarginLoss"), ("LL305", "SoftMarginLoss")]


def test_correct_pairs_and_inference_softmax_are_silent():
    model = Net(None)
    x, y = torch.randn(6, 12), torch.randint(0, 5, (6,))
    with losslint.watch(action="collect") as w:
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        accuracy = (F.softmax(logits, dim=1).argmax(1) == y).float().mean()  # metrics only
        nn.NLLLoss()(F.log_softmax(logits, dim=1), y)
        F.binary_cross_entropy(torch.sigmoid(logits[:, 0]), y.float().clamp(max=1))  # acceptable pair
        loss.backward()
    assert [r.code for r in w.reports] == ["LL203"]  # sigmoid + BCELoss: acceptable, still reported
    assert w.reports[0].verdict == "acceptable"
    assert 0.0 <= float(accuracy) <= 1.0


def test_results_are_unchanged():
    def run():
        torch.manual_seed(3)
        model = Net(nn.Softmax(dim=1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = F.cross_entropy(model(torch.randn(8, 12)), torch.randint(0, 5, (8,)))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.detach().clone() for p in model.parameters()]

    plain_losses, plain_params = run()
    with losslint.watch(action="collect") as w:
        watched_losses, watched_params = run()
    assert w.reports and watched_losses == plain_losses
    assert all(torch.equal(a, b) for a, b in zip(plain_params, watched_params))


def test_no_tensor_is_kept_alive():
    w = Watch(action="collect")
    with w:
        probs = torch.softmax(torch.randn(64, 10), dim=1)
        view = probs.view(640)
        refs = [weakref.ref(probs), weakref.ref(view)]
        assert len(w._provenance) == 2
        del probs, view
        gc.collect()
        assert [r() for r in refs] == [None, None]
        assert len(w._provenance) == 0  # the weak references' callbacks dropped the entries


def test_off_means_no_mode_installed():
    before = _mode_depth()
    w = losslint.watch(action="collect")
    assert _mode_depth() == before and not w.active
    with w:
        assert _mode_depth() == before + 1 and w.active
    assert _mode_depth() == before and not w.active


def test_decorator_forms():
    criterion = nn.CrossEntropyLoss()

    @losslint.watch(action="collect")
    def step(x, y):
        return criterion(torch.softmax(x, 1), y)

    @losslint.watch
    def plain(x):
        return x * 2

    step(torch.randn(2, 3), torch.tensor([0, 2]))
    step(torch.randn(2, 3), torch.tensor([1, 2]))
    assert [(r.code, r.count) for r in step.losslint_watch.reports] == [("LL103", 2)]
    assert _mode_depth() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.equal(plain(torch.ones(2)), torch.full((2,), 2.0))


def test_default_action_warns_once_at_the_loss_call():
    x, y = torch.randn(2, 3), torch.tensor([0, 2])
    with pytest.warns(LosslintWarning, match="LL103 softmax-before-cross-entropy") as record:
        with losslint.watch():
            for _ in range(3):
                F.cross_entropy(torch.softmax(x, 1), y)  # <warned here>
    assert len(record) == 1
    assert f"{record[0].filename}:{record[0].lineno}" == _line("# <warned here>")


def test_raise_stops_before_the_loss_runs():
    with pytest.raises(WrongPairError, match="LL202"):
        with losslint.watch(action="raise"):
            F.binary_cross_entropy_with_logits(torch.sigmoid(torch.randn(3)), torch.ones(3))
    assert _mode_depth() == 0


def test_bad_action_is_refused():
    with pytest.raises(ValueError, match="action must be one of"):
        losslint.watch(action="ignore")
