"""The tracer on one-unit outputs (LL408, LL405, LL406): constant activation, zero
gradient, and what targets of 1 do, under the same conditions as the messages."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("torch")

from losslint.engine import linter  # noqa: E402
from losslint.tracer import evidence, one_unit  # noqa: E402

SOURCE = textwrap.dedent(
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Sequential(nn.Linear(64, 1), nn.LogSoftmax(dim=1))
    unit = nn.Linear(64, 1)

    def log_softmax_head(x, y):
        return nn.CrossEntropyLoss()(model(x), y)

    def softmax_head(x, y):
        return F.nll_loss(F.softmax(unit(x), dim=1), y)

    def soft_labels(x, y):
        return F.cross_entropy(unit(x), y.float())

    def sigmoid_one_unit(x, y):
        return F.nll_loss(torch.sigmoid(unit(x)), y)
    """
)


def traced(tmp_path):
    findings = [f for f in linter.check_sources({str(tmp_path / "s.py"): SOURCE}) if f.code]
    evidence.attach(findings, device="cpu")
    return {(f.code, f.site.start.row): f.evidence for f in findings}


def test_single_unit_softmax_is_constant_with_zero_gradient(tmp_path):
    found = traced(tmp_path)
    log = found[("LL408", 6)]
    assert log["output_constant"] and log["output_value"] == 0.0 and log["loss_value"] == 0.0 and log["grad_max"] == 0.0
    assert "log_softmax is 0 for every example" in log["summary"] and "gradient exactly 0" in log["summary"]
    soft = found[("LL408", 13)]
    assert soft["output_constant"] and soft["output_value"] == 1.0 and soft["loss_value"] == -1.0 and soft["grad_max"] == 0.0


def test_index_error_only_measured_for_class_index_targets(tmp_path):
    found = traced(tmp_path)
    soft = found[("LL405", 7)]
    assert soft["targets"] == "float" and soft["raises"] is None and "IndexError" not in soft["summary"]
    assert soft["loss_value"] == 0.0 and soft["grad_max"] == 0.0
    sigmoid = found[("LL406", 19)]
    assert sigmoid["raises"].startswith("IndexError") and sigmoid["grad_max"] > 0
    assert -1.0 < sigmoid["loss_value"] < 0.0


def test_trace_function_directly():
    result = one_unit.trace("none", "CrossEntropyLoss")
    assert result["loss_value"] == 0.0 and result["grad_max"] == 0.0 and "Target 1 is out of bounds" in result["raises"]


def test_the_table_shows_the_one_unit_rows():
    from losslint.tracer import table

    text = table.render_one_unit(table.one_unit_rows())
    lines = text.splitlines()
    assert lines[1] == "One output unit (LL405, LL406, LL408), class-index targets:"
    log = next(line for line in lines if line.lstrip().startswith("log_softmax + CrossEntropyLoss"))
    assert "log_softmax is 0 for every example, the loss is 0, the gradient exactly 0" in log
    soft = next(line for line in lines if line.lstrip().startswith("softmax + NLLLoss"))
    assert "softmax is 1 for every example, the loss is -1, the gradient exactly 0" in soft
    sigmoid = next(line for line in lines if line.lstrip().startswith("sigmoid + NLLLoss"))
    assert "targets of 1 raise IndexError" in sigmoid and "exactly 0" not in sigmoid
