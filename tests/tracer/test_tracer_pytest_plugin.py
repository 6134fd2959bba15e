"""The pytest plugin: `--losslint-watch` and the `losslint_watch` fixture."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

pytest_plugins = ["pytester"]

TESTS = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_model():
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))


def test_training_step_runs():
    model = make_model()
    loss = nn.CrossEntropyLoss()(model(torch.randn(4, 6)), torch.tensor([0, 1, 2, 1]))
    loss.backward()
    assert loss.item() > 0


def test_correct_step():
    logits = nn.Linear(6, 3)(torch.randn(4, 6))
    assert F.cross_entropy(logits, torch.tensor([0, 1, 2, 1])).item() > 0
"""


def _args(pytester) -> list[str]:
    # The entry point registers the plugin once losslint is installed; a bare checkout
    # (not pip-installed) needs it named.
    from importlib.metadata import entry_points

    installed = any(ep.value == "losslint.tracer.pytest_plugin" for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", "losslint.tracer.pytest_plugin"])


def test_option_reports_wrong_pairs_and_fails_the_session(pytester):
    pytester.makepyfile(test_training=TESTS)  # line 12: loss = nn.CrossEntropyLoss()(model(...), ...)
    result = pytester.runpytest(*_args(pytester), "--losslint-watch")
    result.assert_outcomes(passed=2)  # test outcomes are untouched
    result.stdout.fnmatch_lines([
        "*losslint watch: 1 wrong or unstable pair(s)*",
        "test_training.py::test_training_step_runs: LL103 softmax-before-cross-entropy (wrong): "
        "nn.Softmax (child '3' of Sequential) at *test_training.py:12 reaches nn.CrossEntropyLoss at *test_training.py:12*",
    ])
    assert result.ret == 1


def test_without_the_option_nothing_is_watched(pytester):
    pytester.makepyfile(test_training=TESTS)
    result = pytester.runpytest(*_args(pytester))
    result.assert_outcomes(passed=2)
    assert "losslint watch" not in result.stdout.str()
    assert result.ret == 0


def test_clean_run_says_so(pytester):
    pytester.makepyfile(test_clean=TESTS.split("def test_training_step_runs")[0] + "\n\ndef test_ok():\n    assert True\n")
    result = pytester.runpytest(*_args(pytester), "--losslint-watch")
    result.stdout.fnmatch_lines(["*losslint watch: no wrong activation/loss pair ran*"])
    assert result.ret == 0


def test_fixture_collects_reports(pytester):
    pytester.makepyfile(test_fixture="""
import torch
import torch.nn.functional as F


def test_sigmoid_twice(losslint_watch):
    z = torch.randn(5)
    F.binary_cross_entropy_with_logits(torch.sigmoid(z), torch.ones(5))
    [report] = losslint_watch.reports
    assert report.code == "LL202" and report.loss == "BCEWithLogitsLoss"


def test_fixture_is_quiet_on_logits(losslint_watch):
    F.binary_cross_entropy_with_logits(torch.randn(5), torch.ones(5))
    assert losslint_watch.reports == []
""")
    result = pytester.runpytest(*_args(pytester))
    result.assert_outcomes(passed=2)


def test_option_is_listed_in_help(pytester):
    result = pytester.runpytest(*_args(pytester), "--help")
    result.stdout.fnmatch_lines(["*--losslint-watch*"])
