"""BCELoss / F.binary_cross_entropy inside a CUDA autocast region (LL601)."""

import pytest

from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Linear(20, 1)
"""


def check(tmp_path, body: str) -> list[str]:
    # LL203 (sigmoid before BCELoss) is reported beside LL601 wherever the input is a
    # sigmoid; these tests look at LL601 alone.
    return [c for c in codes(tmp_path, {"train.py": HEAD + body}) if c != "LL203"]


REGIONS = {
    "torch_autocast": 'def f(x, y):\n    with torch.autocast("cuda", dtype=torch.float16):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "device_type_keyword": 'def f(x, y):\n    with torch.autocast(device_type="cuda"):\n        return nn.BCELoss()(model(x).sigmoid(), y)',
    "amp_autocast": 'def f(x, y):\n    with torch.amp.autocast("cuda"):\n        loss = F.binary_cross_entropy(torch.sigmoid(model(x)), y)\n    return loss',
    "cuda_amp_autocast": 'def f(x, y):\n    with torch.cuda.amp.autocast():\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "imported_autocast": 'from torch.cuda.amp import autocast\ndef f(x, y):\n    with autocast(dtype=torch.bfloat16):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "input_unknown": 'def f(p, y):\n    with torch.autocast("cuda"):\n        return F.binary_cross_entropy(p, y)',
    "criterion_passed_in": 'def f(x, y, crit):\n    with torch.autocast("cuda"):\n        return crit(torch.sigmoid(model(x)), y)\nf(1, 2, nn.BCELoss())',
    "enabled_unknown": 'def f(x, y, use_amp):\n    with torch.autocast("cuda", enabled=use_amp):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "nested_with_other_context": 'def f(x, y):\n    with torch.autocast("cuda"), torch.no_grad():\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "called_from_the_region": 'def loss_fn(x, y):\n    return F.binary_cross_entropy(torch.sigmoid(model(x)), y)\n\ndef f(x, y):\n    with torch.autocast("cuda"):\n        return loss_fn(x, y)',
}


@pytest.mark.parametrize("case", sorted(REGIONS))
def test_bce_loss_under_cuda_autocast(tmp_path, case):
    assert check(tmp_path, REGIONS[case]) == ["LL601"]


def test_finding_points_at_the_loss_call_and_the_region(tmp_path):
    body = 'crit = nn.BCELoss()\n\ndef f(x, y):\n    with torch.autocast("cuda"):\n        return crit(torch.sigmoid(model(x)), y)\n'
    findings = lint(tmp_path, {"train.py": HEAD + body})
    (finding,) = [f for f in findings if f.code == "LL601"]
    lines = (HEAD + body).lstrip("\n").splitlines()
    assert lines[finding.site.start.row - 1].strip().startswith("return crit(")
    assert finding.severity == "error" and finding.loss == "BCELoss" and finding.activation == "sigmoid"
    assert {r.message for r in finding.related} == {"CUDA autocast region entered here", "BCELoss created here"}


SILENT = {
    "outside_the_region": 'def f(x, y):\n    with torch.autocast("cuda"):\n        z = model(x)\n    return F.binary_cross_entropy(torch.sigmoid(z.float()), y)',
    "region_turned_off": 'def f(x, y):\n    with torch.autocast("cuda"):\n        z = model(x)\n        with torch.autocast("cuda", enabled=False):\n            return F.binary_cross_entropy(torch.sigmoid(z.float()), y)',
    "disabled_by_constant": 'AMP = False\ndef f(x, y):\n    with torch.autocast("cuda", enabled=AMP):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "cpu_autocast": 'def f(x, y):\n    with torch.autocast("cpu", dtype=torch.bfloat16):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "cpu_amp_autocast": 'def f(x, y):\n    with torch.cpu.amp.autocast():\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "device_unknown": 'def f(x, y, device):\n    with torch.autocast(device_type=device.type):\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "logits_loss": 'def f(x, y):\n    with torch.autocast("cuda"):\n        return F.binary_cross_entropy_with_logits(model(x), y)',
    "not_autocast": 'def f(x, y):\n    with torch.no_grad():\n        return F.binary_cross_entropy(torch.sigmoid(model(x)), y)',
    "nested_function_defined_in_region": 'def f(x, y):\n    with torch.autocast("cuda"):\n        def later(p):\n            return F.binary_cross_entropy(p, y)\n    return later(torch.sigmoid(model(x)))',
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    assert check(tmp_path, SILENT[case]) == []


# A criterion chosen by name at run time, one candidate BCELoss (docs/design.md, LL601).
CHOSEN = """
LOSSES = {"bce": nn.BCELoss, "ce": nn.CrossEntropyLoss, "mse": nn.MSELoss}


def step(x, y, cfg):
    crit = LOSSES[cfg.loss_name](reduction="mean")
    with torch.autocast("cuda", %s):
        return crit(x, y)
"""


def test_chosen_criterion_under_an_autocast_switch_is_silent(tmp_path):
    """Which loss, and whether autocast is on, are two run-time choices that only a
    configuration joins: BCELoss under autocast only might happen."""
    assert check(tmp_path, CHOSEN % "enabled=cfg.amp") == []


def test_chosen_criterion_under_autocast_always_on_is_reported(tmp_path):
    """Selecting BCELoss always raises here: one run-time choice is enough."""
    assert check(tmp_path, CHOSEN % "dtype=torch.float16") == ["LL601"]


def test_only_criterion_under_an_autocast_switch_is_reported(tmp_path):
    """BCELoss is the criterion: turning the switch on is the one choice left."""
    body = CHOSEN.replace('LOSSES[cfg.loss_name]', 'LOSSES["bce"]') % "enabled=cfg.amp"
    assert check(tmp_path, body) == ["LL601"]
