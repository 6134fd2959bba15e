"""`losslint check --trace`: each finding carries the tracer's numbers."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest.importorskip("torch")

from losslint.cli import main  # noqa: E402
from losslint.engine import linter  # noqa: E402
from losslint.tracer import evidence  # noqa: E402

MODELS = """
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, n_in: int = 784):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_in, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
            nn.Softmax(dim=1),
        )

    def forward(self, x):
        return self.net(x)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 3)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))
"""

TRAIN = """
import torch
import torch.nn as nn
import torch.nn.functional as F

from models import Classifier, Tagger


def train_classifier(loader):
    model = Classifier()
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()


def train_tagger(loader):
    model = Tagger()
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 4.0, 2.0]))
    for x, y in loader:
        criterion(model(x), y).backward()


def nll_step(logits, y):
    return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)
"""


@pytest.fixture()
def project(tmp_path, monkeypatch):
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "train.py").write_text(TRAIN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_records_carry_evidence(project, capsys):
    assert main(["check", ".", "--trace", "--trace-device", "cpu", "--output-format", "json"]) == 1
    records = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(records) == {"LL103", "LL202", "LL105"}

    ll103 = records["LL103"]["evidence"]
    assert ll103["traced"] and ll103["device"] == "cpu" and ll103["dtype"] == "float32"
    assert ll103["verdict"] == "wrong" and ll103["equivalent"] is False
    assert ll103["grad_ratio"] == pytest.approx(0.085, abs=0.001)
    assert ll103["options"]["dim"] == 1 and ll103["classes"] == 10
    assert ll103["fix"] == {"pair": {"activation": "none", "spelling": "direct", "loss": "CrossEntropyLoss"},
                            "equivalent": True, "verdict": "best", "verified": True, "problem": None}
    assert ll103["summary"] == ("traced on cpu float32: gradient 11.8x smaller than CrossEntropyLoss on logits "
                                "(loss 2.33 vs 5.21)")

    ll202 = records["LL202"]["evidence"]
    assert ll202["options"]["pos_weight"] == [1.0, 4.0, 2.0] and ll202["classes"] == 3
    assert ll202["verdict"] == "wrong"

    ll105 = records["LL105"]["evidence"]
    assert ll105["pair"]["spelling"] == "log" and ll105["verdict"] == "acceptable"
    assert ll105["summary"].endswith("loss infinite from logit gap 103.97, gradient NaN from logit gap 88.72")
    assert ll105["fix"]["pair"]["activation"] == "log_softmax" and ll105["fix"]["verified"]


def test_text_output_has_the_summary_under_the_finding(project, capsys):
    assert main(["check", ".", "--trace", "--trace-device", "cpu", "--output-format", "full", "--color", "never"]) == 1
    blocks = capsys.readouterr().out.split("\n\n")  # one block per finding
    ll103 = [b for b in blocks if ": LL103 " in b.splitlines()[0]]
    assert len(ll103) == 1
    summary = [line for line in ll103[0].splitlines() if "= traced on" in line]
    assert summary == ["   = traced on cpu float32: gradient 11.8x smaller than CrossEntropyLoss on logits (loss 2.33 vs 5.21)"]


def test_without_trace_there_is_no_evidence(project, capsys):
    main(["check", ".", "--output-format", "json"])
    assert all("evidence" not in r for r in json.loads(capsys.readouterr().out))


def test_a_failing_fix_is_reported_as_a_bug(project, monkeypatch):
    import dataclasses

    from losslint.rules import catalog

    real = catalog.load()
    broken = dataclasses.replace(real.by_code_or_name("LL103"), fix_to=catalog.PairNames("softmax", "NLLLoss"))
    fake = catalog.Catalog(tuple(broken if r.code == "LL103" else r for r in real.rules), real.accepted)
    findings = [f for f in linter.check_paths(["."]).findings if f.code == "LL103"]
    evidence.attach(findings, device="cpu", catalog=fake)
    fix = findings[0].evidence["fix"]
    assert fix["verified"] is False
    assert fix["problem"].startswith("LL103: the fix produces softmax + NLLLoss, which is not equivalent")
    assert "losslint bug: LL103: the fix produces softmax + NLLLoss" in findings[0].evidence["summary"]


def test_float16_evidence_says_when_the_numbers_disagree(project):
    findings = [f for f in linter.check_paths(["train.py", "models.py"]).findings if f.code == "LL105"]
    evidence.attach(findings, device="cpu", dtype="float16")
    # torch.log(softmax) in float16 turns NaN from a logit gap of 11.1: wrong, not merely unstable.
    assert findings[0].evidence["verdict"] == "wrong"
    assert findings[0].evidence["summary"].endswith("; the numbers say wrong")


def test_an_untraceable_finding_says_why(tmp_path):
    source = textwrap.dedent(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        def step(logits, y):
            return F.nll_loss(F.softmax(logits, dim=1), y)
        """
    )
    findings = linter.check_sources({str(tmp_path / "s.py"): source})
    finding = [f for f in findings if f.code][0]
    finding.origin = None
    evidence.attach([finding], device="cpu")
    reason = "the analyzer kept no activation/loss pair for this finding"
    assert finding.evidence == {"traced": False, "reason": reason, "summary": f"not traced: {reason}"}


def test_trace_on_cuda_without_a_device_is_one_line_exit_2(project, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["check", ".", "--trace", "--trace-device", "cuda"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "losslint: error: --device cuda: torch sees no CUDA device on this machine\n"
    assert captured.out == ""


def test_condition_rules_are_traced_as_the_pair_they_judged(tmp_path):
    # LL402 (log_softmax over the batch into NLLLoss) and LL404 (softmax into BCELoss) are
    # condition rules, not taxonomy rows: the tracer runs the pair with the finding's own
    # dim and the output layer's size, and its numbers agree with the rule's verdict.
    source = textwrap.dedent(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        fc = nn.Linear(32, 6)

        def over_batch(x, y):
            return F.nll_loss(F.log_softmax(fc(x), dim=0), y)

        def multi_label(x, t):
            return nn.BCELoss()(F.softmax(fc(x), dim=1), t)

        def one_unit(x, y):
            return F.cross_entropy(nn.Linear(32, 1)(x), y)
        """
    )
    findings = {f.code: f for f in linter.check_sources({str(tmp_path / "s.py"): source}) if f.code}
    evidence.attach(list(findings.values()), device="cpu")
    batch, labels = findings["LL402"].evidence, findings["LL404"].evidence
    assert batch["traced"] and batch["options"]["dim"] == 0 and batch["classes"] == 6
    assert set(batch["options"]["from_code"]) == {"classes", "dim"}
    assert batch["equivalent"] is False and batch["verdict"] == "wrong" and batch["grad_ratio"] > 1.5
    assert labels["traced"] and labels["pair"]["activation"] == "softmax" and labels["classes"] == 6
    assert labels["equivalent"] is False and labels["verdict"] == "wrong"
    assert "the numbers say" not in batch["summary"] + labels["summary"]
    one = findings["LL405"].evidence  # one class: the numbers themselves (tracer/one_unit.py)
    assert one["traced"] and one["loss_value"] == 0.0 and one["grad_max"] == 0.0 and one["raises"].startswith("IndexError")


def test_sarif_and_github_carry_the_evidence(project, capsys):
    import jsonschema

    from tests.cli.test_output_formats import sarif_schema

    assert main(["check", ".", "--trace", "--trace-device", "cpu", "--output-format", "sarif"]) == 1
    text = capsys.readouterr().out
    document = json.loads(text, parse_constant=pytest.fail)  # strict JSON: no NaN/Infinity
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    ll103 = results["LL103"]["properties"]["evidence"]
    assert ll103["traced"] and ll103["verdict"] == "wrong" and ll103["summary"].startswith("traced on cpu float32:")

    assert main(["check", ".", "--trace", "--trace-device", "cpu", "--output-format", "github"]) == 1
    annotations = [line for line in capsys.readouterr().out.splitlines() if "(LL103)" in line]
    assert len(annotations) == 1
    assert "%0Atraced on cpu float32: gradient 11.8x smaller than CrossEntropyLoss on logits" in annotations[0]
