"""`losslint trace` on the command line, and the tracer's absence without torch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from losslint.cli import main

MISSING = "losslint: error: the tracer needs torch: pip install 'losslint[trace]'\n"


def _run_without_torch(code: str, tmp_path) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter where `import torch` fails."""
    script = "import sys\nsys.modules['torch'] = None  # import torch -> ImportError\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "--activation", "softmax", "--loss", "CrossEntropyLoss"],
        ["trace", "--all"],
        ["trace", "--speed"],
        ["trace", "--fixes"],
    ],
)
def test_without_torch_trace_prints_one_line_and_exits_2(argv, tmp_path):
    result = _run_without_torch(f"from losslint.cli import main\nsys.exit(main({argv!r}))", tmp_path)
    assert result.returncode == 2
    assert result.stderr == MISSING
    assert result.stdout == ""


def test_without_torch_check_trace_prints_one_line_and_exits_2(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))\n"
                                   "c = nn.CrossEntropyLoss()\ndef f(x, y):\n    return c(m(x), y)\n")
    result = _run_without_torch("from losslint.cli import main\nsys.exit(main(['check', 'm.py', '--trace']))", tmp_path)
    assert (result.returncode, result.stderr) == (2, MISSING)


def test_the_static_linter_never_imports_torch(tmp_path):
    (tmp_path / "m.py").write_text("import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))\n"
                                   "c = nn.CrossEntropyLoss()\ndef f(x, y):\n    return c(m(x), y)\n")
    code = """
    sys.modules.pop('torch')  # allowed again, but watched
    import losslint, losslint.tracer, losslint.tracer.spec, losslint.tracer.pytest_plugin
    from losslint.cli import main
    status = main(['check', 'm.py', '--output-format', 'json'])
    assert 'torch' not in sys.modules, 'the static linter imported torch'
    print(status)
    """
    result = _run_without_torch(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("1")


def test_losslint_watch_without_torch_names_the_extra(tmp_path):
    result = _run_without_torch("import losslint\ntry:\n    losslint.watch\nexcept ImportError as e:\n    print(e)\n", tmp_path)
    assert result.stdout.strip() == "the tracer needs torch: pip install 'losslint[trace]'"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["trace"], "trace needs --activation and --loss"),
        (["trace", "--all", "--activation", "softmax"], "use one of --all"),
        (["trace", "--activation", "softmax"], "a trace without a loss is for log_softmax or logsigmoid"),
        (["trace", "--activation", "softmax", "--loss", "PoissonNLLLoss"], "Invalid value for '--loss'"),
        (["trace", "--activation", "softmax", "--loss", "NLLLoss", "--classes", "1"], "at least 2 classes"),
        (["trace", "--activation", "sigmoid", "--loss", "BCELoss", "--spelling", "log"], "--spelling log applies to"),
        (["trace", "--activation", "softmax", "--loss", "NLLLoss", "--classes", "3", "--weight", "1,2"],
         "weight has 2 values for 3 classes"),
        (["trace", "--activation", "softmax", "--loss", "NLLLoss", "--weight", "a,b"], "expected comma-separated numbers"),
        (["trace", "--activation", "softmax", "--loss", "NLLLoss", "--dim", "2"], "dim 2 does not exist"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("losslint: error: ") and message in err and err.count("\n") == 1


def test_cuda_without_a_device_is_one_line_exit_2(capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["trace", "--activation", "none", "--loss", "BCEWithLogitsLoss", "--device", "cuda"]) == 2
    assert capsys.readouterr().err == "losslint: error: --device cuda: torch sees no CUDA device on this machine\n"


def test_trace_json(capsys):
    pytest.importorskip("torch")
    argv = ["trace", "--activation", "softmax", "--loss", "CrossEntropyLoss", "--device", "cpu",
            "--output-format", "json", "--no-timing"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["activation"] == "softmax" and record["loss"] == "CrossEntropyLoss"
    assert record["recommended"] == {"activation": "none", "spelling": "direct", "loss": "CrossEntropyLoss",
                                     "description": "CrossEntropyLoss on logits"}
    assert record["equivalent"] is False and record["verdict"] == "wrong" and record["static_verdict"] == "wrong"
    assert record["grad_ratio"] == pytest.approx(0.085, abs=0.001)
    assert record["timing"] is None


def test_trace_text_with_timing(capsys):
    pytest.importorskip("torch")
    assert main(["trace", "--activation", "log_softmax", "--loss", "NLLLoss", "--device", "cpu", "--classes", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("log_softmax + NLLLoss on cpu")
    assert "bitwise equal   yes" in out
    assert "verdict         fine   (catalog: fine)" in out
    assert "pair/recommended" in out


def test_trace_all_text(capsys):
    pytest.importorskip("torch")
    status = main(["trace", "--all", "--device", "cpu"])
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if "DISAGREES" in line]
    assert flagged == [] and status == 0
    assert "catalog verdicts agree with the numbers" in out
    assert "loss clamped from |logit| 16.64" in out


def test_trace_all_exits_1_on_a_disagreement(monkeypatch, capsys):
    pytest.importorskip("torch")
    from losslint.tracer import measure

    real = measure.static_verdict

    def fake(spec, cat):
        return "fine" if (spec.activation, spec.loss) == ("softmax", "NLLLoss") else real(spec, cat)

    monkeypatch.setattr(measure, "static_verdict", fake)
    assert main(["trace", "--all", "--device", "cpu", "--output-format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(r["activation"], r["loss"]) for r in rows if not r["agree"]] == [("softmax", "NLLLoss")]


def test_trace_fixes(capsys):
    pytest.importorskip("torch")
    status = main(["trace", "--fixes", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "LL103  fix -> logits + CrossEntropyLoss                ok: best" in out
    failing = [line.split()[0] for line in out.splitlines() if "BUG:" in line]
    assert failing == [] and status == 0


def test_speed_rows_are_measured(monkeypatch):
    pytest.importorskip("torch")
    from losslint.tracer import op_timing

    rows = op_timing.fused_vs_separate(device="cpu", min_run_time=0.01,
                                   sizes={"multiclass": ((64, 10),), "binary": ((64,),)})
    assert [r["family"] for r in rows] == ["multiclass", "binary"]
    for row in rows:
        assert row["fused_us"] > 0 and row["separate_us"] > 0
        assert row["speedup"] == pytest.approx(row["separate_us"] / row["fused_us"], rel=0.01)


def test_json_stays_strict_when_values_are_not_finite(capsys):
    pytest.importorskip("torch")
    # float16: sigmoid + BCELoss turns NaN in the normal range; JSON has no NaN or Infinity.
    assert main(["trace", "--all", "--device", "cpu", "--dtype", "float16", "--output-format", "json"]) == 0

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    rows = json.loads(capsys.readouterr().out, parse_constant=refuse)
    bce = [r for r in rows if (r["activation"], r["loss"]) == ("sigmoid", "BCELoss")][0]
    assert bce["verdict"] == "wrong" and bce["max_rel_error"] is None and bce["grad_ratio"] is None
    assert bce["static_verdict"] == "acceptable" and not bce["agree"]
