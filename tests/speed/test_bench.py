"""benchmarks/bench.py runs end to end on a tiny synthetic tree (no timing asserted)."""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_benchmark_smoke(tmp_path):
    output = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, str(REPOSITORY / "benchmarks" / "bench.py"), "--synthetic", "12", "--lines", "60",
         "--repeat", "1", "--no-ruff", "--big-lines", "400", "--json", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    text = completed.stdout
    for step in ("libcst parse, 1 process", "libcst parse, 2 processes", "losslint cold", "losslint warm",
                 "losslint touched", "losslint edited", "losslint function added", "1x copies", "2x copies", "4x copies", "400-line file"):
        assert step in text, step
    assert "cold / libcst parse 2 processes" in text and "peak RSS" in text
    import json

    results = json.loads(output.read_text())
    assert results["files"] == 12 and all(row["seconds"] > 0 and row["peak_rss_mib"] > 0 for row in results["rows"])
    assert all(row["peak_rss_all_mib"] >= row["peak_rss_mib"] > 0 and row["peak_rss_main_mib"] > 0 for row in results["rows"])


def test_several_trees_end_with_a_summary(tmp_path):
    trees = []
    for name in ("alpha", "beta"):
        tree = tmp_path / name / "pkg"
        tree.mkdir(parents=True)
        (tree / "__init__.py").write_text("")
        (tree / "train.py").write_text("import torch.nn as nn\n\ncriterion = nn.NLLLoss()\nloss = criterion(x.softmax(1), y)\n")
        trees.append(str(tree.parent))
    completed = subprocess.run(
        [sys.executable, str(REPOSITORY / "benchmarks" / "bench.py"), *trees, "--repeat", "1", "--no-ruff",
         "--no-scaling", "--no-big-file"],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    summary = completed.stdout.split("summary (")[1].splitlines()
    assert [line.split()[0] for line in summary[2:]] == ["alpha", "beta"]


def test_synthetic_trees_are_deterministic(tmp_path):
    sys.path.insert(0, str(REPOSITORY / "benchmarks"))
    try:
        import synthetic
    finally:
        sys.path.pop(0)
    first = synthetic.write_tree(tmp_path / "a", 15, lines=80)
    second = synthetic.write_tree(tmp_path / "b", 15, lines=80)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 15
    assert all((first / n).read_text() == (second / n).read_text() for n in names)
    big = synthetic.write_big_file(tmp_path / "big.py", lines=2000)
    assert 2000 <= big.read_text().count("\n") < 2200
    compile(big.read_text(), str(big), "exec")
