"""Which files a check parses beyond the prefilter's roots: the files a fix must see (the
users of the model whose output it changes), parsed on demand, and the small files the
roots import, parsed ahead; with the same findings and fixes as a parse of every file."""

from pathlib import Path

import pytest

from losslint.engine import linter, workers
from losslint.engine.collect import RunOptions
from tests.speed.helpers import collected, write
from tests.speed.test_recall import MODELS, TRAIN_NLL

SOFTMAX_MODELS = MODELS.replace("self.out(self.hidden(x).relu())", "self.out(self.hidden(x).relu()).softmax(dim=1)")

TRAIN_CE = """
import torch.nn as nn

from models import Classifier

model = Classifier()
criterion = nn.CrossEntropyLoss()


def step(inputs, labels):
    return criterion(model(inputs), labels)
"""

# Names no loss, takes no log, and nobody imports it: only an importer of the model's module.
REPORT = """
import models as zoo


def export_scores(batch):
    net = zoo.Classifier()
    scores = net(batch)
    return scores > 0.5
"""

UNRELATED = {
    "notes.py": "TITLE = 'runs'\n",
    "helpers.py": "def double(x):\n    return 2 * x\n",
    "tools/__init__.py": "",
    "tools/plot.py": "from helpers import double\n\n\ndef plot(values):\n    return [double(v) for v in values]\n",
}


def check(root: Path, monkeypatch, **options) -> tuple[list, set[str]]:
    """(findings with their fixes, names of the files parsed with libcst) of a check."""
    parsed: set[str] = set()
    real = workers.run_task

    def recording(task):
        if task.kind == "facts":
            parsed.add(str(Path(task.path).relative_to(root)))
        return real(task)

    monkeypatch.setattr(workers, "run_task", recording)
    result = linter.check_paths([str(root)], run=RunOptions(**options))
    monkeypatch.setattr(workers, "run_task", real)
    return result.findings, parsed


def described(findings) -> list[tuple]:
    return [
        (f.code, Path(f.site.path).name, f.site.start.row, f.message, f.fix and (f.fix.applicability, f.fix.message, f.fix.edits))
        for f in findings
    ]


def test_the_users_of_the_model_are_parsed_for_its_fix_and_nothing_else(tmp_path, monkeypatch):
    write(tmp_path, {"models.py": SOFTMAX_MODELS, "train.py": TRAIN_CE, "report.py": REPORT, **UNRELATED})
    found, parsed = check(tmp_path, monkeypatch)
    assert [f.code for f in found] == ["LL103"]
    fix = found[0].fix
    # report.py imports the model's module under another name and thresholds its output:
    # the fix that removes the softmax must name it, so it is unsafe.
    assert fix.applicability == "unsafe"
    assert "report.py:7 `scores > 0.5`" in fix.message
    assert {"models.py", "train.py", "report.py"} <= parsed
    assert parsed.isdisjoint(UNRELATED)  # they cannot hold a use of the model
    full, everything = check(tmp_path, monkeypatch, prefilter=False)
    assert described(found) == described(full)
    assert set(UNRELATED) <= everything


def test_a_user_that_imports_the_model_through_a_package_is_found(tmp_path, monkeypatch):
    files = {
        "proj/__init__.py": "from proj.nets import Classifier\n",
        "proj/nets.py": SOFTMAX_MODELS,
        "train.py": TRAIN_CE.replace("from models import Classifier", "from proj import Classifier"),
        "app/__init__.py": "",
        "app/serve.py": "import proj\n\n\ndef serve(batch):\n    return proj.Classifier()(batch).tolist()\n",
        **UNRELATED,
    }
    write(tmp_path, files)
    found, parsed = check(tmp_path, monkeypatch)
    assert [f.code for f in found] == ["LL103"]
    assert "serve.py:5" in found[0].fix.message and found[0].fix.applicability == "unsafe"
    assert "app/serve.py" in parsed and parsed.isdisjoint(UNRELATED)
    assert described(found) == described(check(tmp_path, monkeypatch, prefilter=False)[0])


def test_a_user_given_the_model_as_an_argument_is_found(tmp_path, monkeypatch):
    # evaluate.py imports nothing of the model: train.py hands the model to it.
    evaluate = "def evaluate(net, batch):\n    probs = net(batch)\n    return (probs > 0.5).float().mean()\n"
    train = TRAIN_CE.replace("from models import Classifier", "from evaluate import evaluate\nfrom models import Classifier")
    write(tmp_path, {"models.py": SOFTMAX_MODELS, "train.py": train + "\n\nevaluate(model, None)\n", "evaluate.py": evaluate, **UNRELATED})
    found, parsed = check(tmp_path, monkeypatch)
    assert "evaluate.py:3 `(probs > 0.5)`" in found[0].fix.message
    assert "evaluate.py" in parsed and parsed.isdisjoint(UNRELATED)
    assert described(found) == described(check(tmp_path, monkeypatch, prefilter=False)[0])


def test_a_safe_fix_stays_safe_without_parsing_more(tmp_path, monkeypatch):
    # Every reader is the loss itself: the same safe fix as with every file parsed.
    write(tmp_path, {"models.py": SOFTMAX_MODELS, "train.py": TRAIN_CE, **UNRELATED})
    found, parsed = check(tmp_path, monkeypatch)
    assert found[0].fix.applicability == "safe"
    assert parsed == {"models.py", "train.py"}
    assert described(found) == described(check(tmp_path, monkeypatch, prefilter=False)[0])


def test_the_stable_spellings_need_no_other_file(tmp_path, monkeypatch):
    # LL206's fix rewrites the log where it is: nothing else is parsed for it.
    scores = "import torch\n\n\ndef log_scores(z):\n    return torch.log(torch.sigmoid(z))\n"
    write(tmp_path, {"scores.py": scores, "models.py": MODELS, **UNRELATED})
    found, parsed = check(tmp_path, monkeypatch)
    assert [(f.code, f.fix.applicability) for f in found] == [("LL206", "safe")]
    assert parsed == {"scores.py"}
    assert described(found) == described(check(tmp_path, monkeypatch, prefilter=False)[0])


def test_small_files_the_roots_import_are_parsed_with_them(tmp_path):
    # train.py is large beside models.py, which it imports: models.py is parsed in the
    # first batch instead of being found missing by a first analysis.
    filler = "".join(f"\n\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(200))
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN_NLL + filler, "notes.py": "TITLE = 'runs'\n"})
    result = collected(tmp_path)
    assert result.stats.rounds == 1 and result.stats.prefetched == 1
    assert {Path(p).name for p in result.facts} == {"models.py", "train.py"}
    # Without the filler, models.py is as large as train.py: found by the analysis instead.
    write(tmp_path, {"train.py": TRAIN_NLL})
    result = collected(tmp_path)
    assert result.stats.rounds == 2 and result.stats.prefetched == 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_pool_serves_the_whole_check(tmp_path, monkeypatch, jobs):
    import concurrent.futures

    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    pools = []
    real = concurrent.futures.ProcessPoolExecutor

    class Counted(real):
        def __init__(self, *args, **kwargs):
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)
    write(tmp_path, {"models.py": SOFTMAX_MODELS, "train.py": TRAIN_CE, "report.py": REPORT, **UNRELATED})
    result = linter.check_paths([str(tmp_path)], run=RunOptions(jobs=jobs))
    assert len(pools) == (1 if jobs > 1 else 0)  # collect, the fix's users, the syntax checks
    assert "report.py:7" in result.findings[0].fix.message
