"""Incremental checks (engine/verdicts) always report what a cold run reports.

After every edit, rename, deletion and addition across a multi-file project (a model in
pkg/models/, losses in pkg/train/, a registry, a star import, noqa comments, syntax
errors), a check with the cache of the previous runs must give exactly the findings,
messages, fixes and noqa results of a check without any cache."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslint.engine import linter
from losslint.engine.collect import RunOptions
from losslint.engine.config import Settings
from losslint.engine.factcache import FactsCache
from tests.engine.project import FILES, LOGS, LOSSES, OUTPUTS, loop, net, registry


class Checker:
    """One project on disk, checked incrementally (one cache for all runs) and cold."""

    def __init__(self, root: Path, files: dict[str, str] | None = None) -> None:
        self.root = root / "project"
        self.cache = FactsCache(root / "cache")
        self.files = dict(FILES if files is None else files)
        self.full_runs = 0
        self.sync()

    def sync(self) -> None:
        for path in list(self.root.rglob("*.py")) if self.root.exists() else []:
            if str(path.relative_to(self.root)) not in self.files:
                path.unlink()
        for name, text in self.files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)

    def check(self, settings: Settings | None = None, **options):
        return linter.check_paths([str(self.root)], settings, RunOptions(**options)).findings

    def incremental(self, settings: Settings | None = None):
        original = linter._check_anew

        def counted(*args, **kwargs):
            self.full_runs += 1
            return original(*args, **kwargs)

        linter._check_anew = counted
        try:
            return self.check(settings, cache=self.cache, reuse_results=True)
        finally:
            linter._check_anew = original

    def agree(self, settings: Settings | None = None) -> list:
        """Check incrementally and cold; assert they agree, field by field."""
        self.sync()
        warm = self.incremental(settings)
        cold = self.check(settings)
        assert _records(warm) == _records(cold)
        return cold


def _records(findings) -> list[tuple]:
    return [(f.code, f.name, f.message, f.site, tuple(f.related), f.fix, f.noqa_row, f.severity) for f in findings]


@pytest.fixture
def checker(tmp_path):
    return Checker(tmp_path)


def test_a_comment_in_a_parsed_file_replays_without_a_full_run(checker):
    first = checker.agree()
    assert {f.code for f in first} == {"LL102", "LL105"}
    assert checker.full_runs == 1
    checker.files["pkg/models/__init__.py"] += "# a note\n"  # parsed (the model comes through it)
    checker.files["pkg/util.py"] += "# a note\n"  # never parsed
    assert checker.agree() == first
    assert checker.full_runs == 1
    checker.files["pkg/util.py"] += "\n\n# another\n"  # against the updated record
    checker.agree()
    assert checker.full_runs == 1


def test_an_edit_that_changes_facts_runs_again(checker):
    checker.agree()
    checker.files["pkg/models/net.py"] = net("logits")  # logits into NLLLoss: LL101
    found = checker.agree()
    assert "LL101" in {f.code for f in found}
    assert checker.full_runs == 2


def test_a_shifted_line_in_a_file_without_findings_runs_again(checker):
    checker.agree()
    checker.files["pkg/train/loop.py"] = "\n" + checker.files["pkg/train/loop.py"]  # the loss site moves
    found = checker.agree()
    assert [f.related[0].site.start.row for f in found if f.code == "LL102"] == [11]
    assert checker.full_runs == 2


def test_a_file_that_starts_to_matter_runs_again(checker):
    checker.agree()
    checker.files["pkg/util.py"] = "import torch.nn as nn\n\nLOSS = nn.NLLLoss()\n"  # a loss: now a root
    checker.agree()
    assert checker.full_runs == 2
    checker.files["pkg/util.py"] = "SEED = (\n"  # no longer parses
    found = checker.agree()
    assert "invalid-syntax" in {f.name for f in found}
    assert checker.full_runs == 3


def test_a_new_call_in_an_unparsed_file_replays(checker):
    checker.agree()
    checker.files["pkg/util.py"] += "\n\ndef helper(x, scale=2.0):\n    return x.clamp(min=0) * scale\n"  # never parsed
    checker.agree()
    assert checker.full_runs == 1


def test_a_call_of_a_name_the_run_looked_for_runs_again(tmp_path):
    # report.py imports the log helper, so it may call it: the analysis of the log looked
    # for the callers of `scores`, and report.py, left unparsed, calls no `scores` yet.
    files = dict(FILES)
    files["pkg/report.py"] = "from pkg.train.logs import scores\n\n\ndef show(x):\n    return x\n"
    checker = Checker(tmp_path, files)
    checker.agree()
    checker.files["pkg/report.py"] += "\n\ndef other(x):\n    return x.clamp(min=0)\n"  # not looked for
    checker.agree()
    assert checker.full_runs == 1
    checker.files["pkg/report.py"] += "\n\ndef shown(model, x):\n    return scores(model(x))\n"
    checker.agree()
    assert checker.full_runs == 2


def test_a_file_that_starts_to_register_by_name_runs_again(checker):
    # A register decorator makes a file a root (prefilter.plan), whatever it calls.
    checker.agree()
    checker.files["pkg/util.py"] += "\n\n@register_model\nclass Extra:\n    pass\n"
    checker.agree()
    assert checker.full_runs == 2


def test_noqa_edits_anywhere_are_honoured(checker):
    checker.agree()
    checker.files["pkg/train/loop.py"] = loop("NLLLoss", noqa="  # noqa: LL102")  # on the related site
    assert "LL102" not in {f.code for f in checker.agree()}
    checker.files["pkg/util.py"] += "X = 1  # noqa: LL101\n"  # unused: LL901, in a file never parsed
    assert "LL901" in {f.code for f in checker.agree()}
    checker.files["pkg/train/loop.py"] = loop("NLLLoss")
    assert "LL102" in {f.code for f in checker.agree()}


def test_renames_deletions_and_new_files(checker):
    checker.agree()
    checker.files["pkg/tools.py"] = checker.files.pop("pkg/util.py")  # renamed
    checker.agree()
    del checker.files["pkg/train/logs.py"]
    assert "LL105" not in {f.code for f in checker.agree()}
    checker.files["pkg/train/second.py"] = loop("CrossEntropyLoss")  # softmax into CrossEntropyLoss
    checker.agree()
    checker.files["pkg/models/__init__.py"] = "from .net import *\n"  # the star import
    checker.agree()
    checker.files["pkg/models/net.py"] = checker.files["pkg/models/net.py"].replace("class Net", "class Model")
    checker.agree()


def test_settings_are_part_of_the_key(checker):
    checker.agree()
    checker.agree(Settings(select={"LL105"}) if "select" in Settings.__dataclass_fields__ else None)


# --- randomized edit sequences -----------------------------------------------------------

NAMES = sorted(FILES) + ["pkg/extra.py", "pkg/train/second.py", "scripts/run.py"]
EXTRA = {
    "pkg/extra.py": "import torch\n\n\ndef helper(p):\n    return torch.log(p)\n",
    "pkg/train/second.py": loop("CrossEntropyLoss"),
    "scripts/run.py": "from pkg.models import Net\nfrom pkg.registry import build\n\ncriterion = build('main')\n",
}


def _edit(files: dict[str, str], kind: str, name: str, choice: int) -> None:
    if kind == "add":
        files.setdefault(name, EXTRA.get(name, f"VALUE = {choice}\n"))
    elif name not in files:
        return
    elif kind == "comment":
        files[name] += f"# note {choice}\n"
    elif kind == "blank":
        files[name] = "\n" + files[name]
    elif kind == "delete":
        del files[name]
    elif kind == "rename":
        files[name.replace(".py", f"_{choice}.py")] = files.pop(name)
    elif kind == "syntax":
        files[name] = files[name] + "def broken(:\n" if "broken" not in files[name] else files[name].replace("def broken(:\n", "")
    elif kind == "noqa":
        files[name] = files[name].replace("\n", f"  # noqa: LL10{choice % 6}\n", 1)
    elif kind == "output":
        files["pkg/models/net.py"] = net(sorted(OUTPUTS)[choice % len(OUTPUTS)], comment="# edited" if choice % 2 else "")
    elif kind == "loss":
        files["pkg/train/loop.py"] = loop(LOSSES[choice % len(LOSSES)], noqa="  # noqa" if choice % 3 == 0 else "")
    elif kind == "registry":
        files["pkg/registry.py"] = registry(LOSSES[choice % len(LOSSES)])
    elif kind == "call":  # a new function that calls something, at the end of the file
        callee = ("scores", "build", "Net", "helper", "torch.log", "x.clamp")[choice % 6]
        files[name] += f"\n\ndef added_{choice}(x):\n    return {callee}(x)\n"
    elif kind == "register":
        files[name] += f"\n\n@register_model\ndef made_{choice}():\n    return {choice}\n"
    elif kind == "logs":
        files["pkg/train/logs.py"] = LOGS.replace("torch.softmax", "torch.sigmoid" if choice % 2 else "torch.softmax")


EDITS = st.tuples(
    st.sampled_from(["comment", "blank", "delete", "rename", "add", "syntax", "noqa", "output", "loss", "registry", "logs",
                     "call", "register"]),
    st.sampled_from(NAMES),
    st.integers(0, 11),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=6))
def test_random_edit_sequences_agree_with_a_cold_run(edits):
    with tempfile.TemporaryDirectory() as directory:
        checker = Checker(Path(directory))
        checker.agree()
        for kind, name, choice in edits:
            _edit(checker.files, kind, name, choice)
            checker.agree()


# --- noqa comments, kept by content ------------------------------------------------------


def test_noqa_directives_are_cached_by_content_and_fresh_each_time(tmp_path, monkeypatch):
    from losslint.engine import noqa, workers

    cache = FactsCache(tmp_path / "cache")
    sources = {"/p/a.py": "x = f(y)  # noqa: LL101\n", "/p/b.py": "z = 1\n"}
    first = noqa._decoded(noqa.parse_all(sources, cache), sources)
    assert list(first) == ["/p/a.py"] and first["/p/a.py"].by_row[1].codes[0].rule == "LL101"
    first["/p/a.py"].by_row[1].used = True

    def tokenized(source):
        raise AssertionError("tokenized again")

    monkeypatch.setattr(noqa, "parse", tokenized)
    second = noqa._decoded(noqa.parse_all(sources, cache), sources)
    assert second["/p/a.py"].by_row[1].codes[0].rule == "LL101"
    assert second["/p/a.py"].by_row[1].used is False  # not the object the first apply marked
    with pytest.raises(AssertionError, match="tokenized again"):
        noqa.parse_all({"/p/a.py": sources["/p/a.py"] + "# edited\n"}, cache)


def test_noqa_comments_are_tokenized_in_the_pool(monkeypatch):
    from losslint.engine import noqa, workers

    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)
    sources = {f"/p/m{i}.py": f"x = {i}  # noqa: LL10{i % 9}\ns = 'noqa'\n" for i in range(8)}
    with workers.Runner(2) as runner:
        pooled = noqa.parse_all(sources, None, runner)
        assert runner._pool is not None
    here = noqa.parse_all(sources)
    assert noqa._decoded(pooled, sources) == noqa._decoded(here, sources)
    assert noqa._decoded(here, sources)["/p/m3.py"].by_row[1].codes[0].rule == "LL103"


def test_runs_that_need_the_analysis_neither_replay_nor_record(checker):
    # --fix and --trace read each finding's origin, which a replayed finding lacks.
    checker.sync()
    first = checker.check(cache=checker.cache)  # reuse_results off
    assert first and all(f.origin is not None for f in first if f.code)
    checker.files["pkg/util.py"] += "# a note\n"
    checker.agree()
    assert checker.full_runs == 1  # nothing was recorded to replay
    checker.files["pkg/util.py"] += "# another\n"
    checker.sync()
    again = checker.check(cache=checker.cache)  # a record exists now, but is not replayed
    assert [f.code for f in again] == [f.code for f in first]
    assert all(f.origin is not None for f in again if f.code)


def test_reading_records_what_was_read():
    from losslint.engine.verdicts import Reading

    texts = Reading({"/a.py": "A", "/b.py": "B", "/c.py": "C"})
    assert "/a.py" in texts and len(texts) == 3 and not texts.read
    assert texts.get("/b.py") == "B" and texts.get("/z.py") is None
    assert texts.read == {"/b.py"}
    assert dict(texts.items()) == {"/a.py": "A", "/b.py": "B", "/c.py": "C"}
    assert texts.read == {"/a.py", "/b.py", "/c.py"}


def test_comments_appended_to_a_parsed_file_replay_without_parsing_it(checker, monkeypatch):
    from losslint.engine import workers

    checker.agree()
    real = workers.run_task
    parsed = []
    monkeypatch.setattr(workers, "run_task", lambda task: parsed.append(task.path) or real(task))
    checker.files["pkg/models/__init__.py"] += "# a note\n\n   # indented, after a blank line\n# last, no newline"
    checker.sync()
    replayed = checker.incremental()
    assert checker.full_runs == 1 and not parsed  # nothing parsed
    assert _records(replayed) == _records(checker.check())
    parsed.clear()
    checker.files["pkg/models/__init__.py"] += "\nVALUE = 1\n"  # a statement: parsed, facts compared
    checker.sync()
    checker.incremental()
    assert any(p.endswith("models/__init__.py") for p in parsed)
    checker.agree()


def test_appending_to_a_file_without_a_final_newline_parses_it(tmp_path):
    files = dict(FILES)
    files["pkg/models/__init__.py"] = "from .net import Net"  # no final newline
    checker = Checker(tmp_path, files)
    checker.agree()
    checker.files["pkg/models/__init__.py"] += "  # now a comment on the import line\n"
    checker.agree()
    checker.files["pkg/models/__init__.py"] += "X = (\n"  # no longer parses
    assert "invalid-syntax" in {f.name for f in checker.agree()}
    checker.files["pkg/models/__init__.py"] += "# a comment after the error\n"
    assert "invalid-syntax" in {f.name for f in checker.agree()}


def test_an_edited_yaml_config_runs_again(tmp_path):
    from tests.analysis.test_selected_by_name import HYDRA_CONFIG, HYDRA_TRAIN

    files = dict(FILES)
    files["train.py"] = HYDRA_TRAIN
    files["configs/model/net.yaml"] = "_target_: pkg.models.net.Net\nclasses: 3\n"
    files["configs/config.yaml"] = HYDRA_CONFIG.format(loss="torch.nn.CrossEntropyLoss")
    checker = Checker(tmp_path, files)
    first = checker.agree()
    assert any(f.site.path.endswith("net.py") and "CrossEntropyLoss" in f.message for f in first)
    checker.files["configs/config.yaml"] = HYDRA_CONFIG.format(loss="torch.nn.MSELoss")
    second = checker.agree()
    assert checker.full_runs == 2 and _records(second) != _records(first)


def test_a_check_scans_each_file_and_builds_the_module_table_once(checker, monkeypatch):
    # The record reuses the prefilter's scans and import graph (engine/verdicts.record).
    from losslint.engine import prefilter

    scanned, tables = [], []
    real_scan, real_init = prefilter.scan, prefilter.ModuleTable.__init__
    monkeypatch.setattr(prefilter, "scan", lambda source: scanned.append(source) or real_scan(source))
    monkeypatch.setattr(prefilter.ModuleTable, "__init__", lambda self, paths: tables.append(1) or real_init(self, paths))
    checker.agree()
    assert len(scanned) == 2 * len(checker.files)  # the incremental check's, and the cold one's
    assert len(tables) == 2
