"""The cache of per-file facts: layout, hits, invalidation, corruption, concurrency."""

import multiprocessing
import os
import time

import pytest

from losslint.analysis import ir
from losslint.engine import factcache
from losslint.engine.factcache import FactsCache
from tests.speed.helpers import collected, findings, write
from tests.speed.test_recall import MODELS, TRAIN_NLL


@pytest.fixture
def project(tmp_path):
    return write(tmp_path / "project", {"models.py": MODELS, "train.py": TRAIN_NLL, "util.py": "X = 1\n"})


def test_a_warm_run_computes_nothing_and_finds_the_same(project, tmp_path):
    cache = FactsCache(tmp_path / "cache")
    cold = collected(project, cache=cache)
    assert cold.stats.computed == 3 and cold.stats.cache_hits == 0
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"
    warm = collected(project, cache=FactsCache(tmp_path / "cache"))
    assert warm.stats.computed == 0 and warm.stats.cache_hits == 3
    assert warm.stats.rounds == 1  # the files parsed last time are loaded at once
    assert findings(project, cache=FactsCache(tmp_path / "cache")) == findings(project)


def test_an_edited_file_is_parsed_again(project, tmp_path):
    collected(project, cache=FactsCache(tmp_path / "cache"))
    (project / "models.py").write_text(MODELS.replace("classes=5", "classes=7"))
    again = collected(project, cache=FactsCache(tmp_path / "cache"))
    assert again.stats.computed == 1


def test_loaded_facts_keep_the_ir_singletons(tmp_path):
    # The evaluator tests `node is ir.UNDEFINED`: a loaded tree must hold those very objects.
    from losslint import analysis

    source = "def fails():\n    raise ValueError\n\n\ndef later():\n    return lambda: 1\n"
    facts = factcache.loads(factcache.dumps(analysis.file_facts(str(tmp_path / "m.py"), source)))
    returns = {f.name: f.returns for f in facts.functions.values()}
    assert returns["fails"] is ir.UNDEFINED
    assert returns["later"] is ir.UNKNOWN


def test_a_corrupt_entry_is_ignored_and_rewritten(project, tmp_path):
    directory = tmp_path / "cache"
    expected = findings(project, cache=FactsCache(directory))
    entries = list((directory / "facts-v1").iterdir())
    for entry in entries:
        entry.write_bytes(b"\x00not a cache entry")
    assert findings(project, cache=FactsCache(directory)) == expected
    rewritten = collected(project, cache=FactsCache(directory))
    assert rewritten.stats.computed == 0  # every entry was rewritten by the previous run


def test_entries_are_written_atomically(project, tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    cache = FactsCache(directory)
    cache.put("k" * 40, b"first")
    real_replace = os.replace

    def crash(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    cache.put("k" * 40, b"second, interrupted")
    monkeypatch.setattr(os, "replace", real_replace)
    assert cache.get("k" * 40) == b"first"
    assert [p.name for p in (directory / "facts-v1").iterdir()] == ["k" * 40]  # no temporary left


def _lint_into(args):
    path, directory = args
    from losslint.engine import linter
    from losslint.engine.collect import RunOptions

    return [(f.code, f.site.start.row) for f in linter.check_paths([path], run=RunOptions(cache=FactsCache(directory))).findings]


def test_concurrent_runs_share_a_cache_safely(project, tmp_path):
    directory = str(tmp_path / "cache")
    for index in range(12):
        write(project, {f"extra_{index}.py": f"import torch.nn as nn\nlayer_{index} = nn.Softmax(dim=1)\n"})
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_lint_into, [(str(project), directory)] * 8)
    assert all(r == results[0] for r in results)
    assert findings(project, cache=FactsCache(tmp_path / "cache")) == findings(project)
    assert not [p for p in (tmp_path / "cache" / "facts-v1").iterdir() if p.name.startswith(".")]  # no temporary left


def test_the_key_covers_content_path_and_module():
    key = factcache.entry_key("facts", "/a/m.py", ("m", "/a", False), "x = 1\n")
    assert key != factcache.entry_key("facts", "/a/m.py", ("m", "/a", False), "x = 2\n")
    assert key != factcache.entry_key("facts", "/b/m.py", ("m", "/b", False), "x = 1\n")
    assert key != factcache.entry_key("facts", "/a/m.py", ("pkg.m", "/", False), "x = 1\n")
    assert key != factcache.entry_key("syntax", "/a/m.py", ("m", "/a", False), "x = 1\n")
    assert key == factcache.entry_key("facts", "/a/m.py", ("m", "/a", False), "x = 1\n")


def test_default_directory_is_in_the_project_root(tmp_path, monkeypatch):
    root = write(tmp_path / "repo", {"pyproject.toml": "[project]\nname = 'x'\n", "src/pkg/deep/mod.py": ""})
    monkeypatch.delenv(factcache.ENV_VAR, raising=False)
    monkeypatch.chdir(root / "src" / "pkg" / "deep")
    assert factcache.default_dir() == (root / ".losslint_cache").resolve()
    monkeypatch.setenv(factcache.ENV_VAR, str(tmp_path / "elsewhere"))
    assert factcache.default_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv(factcache.ENV_VAR)
    (tmp_path / "loose").mkdir()
    monkeypatch.chdir(tmp_path / "loose")
    assert factcache.project_root(tmp_path / "loose") == (tmp_path / "loose").resolve()


def test_prune_drops_entries_unused_for_a_month_once_a_day(tmp_path):
    cache = FactsCache(tmp_path / "cache")
    cache.put("old", b"1")
    cache.put("new", b"2")
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(tmp_path / "cache" / "facts-v1" / "old", (month_ago, month_ago))
    assert cache.prune() == 1
    assert sorted(p.name for p in (tmp_path / "cache" / "facts-v1").iterdir()) == ["new"]
    cache.put("old", b"1")
    os.utime(tmp_path / "cache" / "facts-v1" / "old", (month_ago, month_ago))
    assert cache.prune() == 0  # pruned less than a day ago
    assert cache.prune(now=time.time() + 2 * 24 * 3600) == 1


CLEAN_TRAIN = TRAIN_NLL.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")  # logits into CE: fine


def test_an_unchanged_clean_project_is_not_analyzed_again(tmp_path, monkeypatch):
    from losslint.engine import collect, linter

    project = write(tmp_path / "clean", {"models.py": MODELS, "train.py": CLEAN_TRAIN})
    options = collect.RunOptions(cache=FactsCache(tmp_path / "cache"))
    assert linter.check_paths([str(project)], run=options).findings == []

    def no_analysis(*args, **kwargs):
        raise AssertionError("analyzed again")

    monkeypatch.setattr(collect, "collect", no_analysis)
    assert linter.check_paths([str(project)], run=options).findings == []
    (project / "train.py").write_text(TRAIN_NLL)  # now wrong: LL101
    with pytest.raises(AssertionError, match="analyzed again"):
        linter.check_paths([str(project)], run=options)


def test_a_project_whose_findings_are_suppressed_is_not_taken_for_clean(tmp_path):
    from losslint.engine import collect, linter

    noqa = TRAIN_NLL.replace("criterion = nn.NLLLoss()", "criterion = nn.NLLLoss()  # noqa: LL101")
    project = write(tmp_path / "quiet", {"models.py": MODELS, "train.py": noqa})
    options = collect.RunOptions(cache=FactsCache(tmp_path / "cache"))
    for _ in range(2):  # the second run must not report the noqa comment as unused (LL901)
        assert linter.check_paths([str(project)], run=options).findings == []


def test_an_unchanged_project_with_findings_replays_them(tmp_path, monkeypatch):
    from losslint.engine import collect, linter

    project = write(tmp_path / "wrong", {"models.py": MODELS, "train.py": TRAIN_NLL})
    replay = collect.RunOptions(cache=FactsCache(tmp_path / "cache"), reuse_results=True)
    first = linter.check_paths([str(project)], run=replay).findings
    assert [f.code for f in first] == ["LL101"] and first[0].origin is not None

    def no_analysis(*args, **kwargs):
        raise AssertionError("analyzed again")

    monkeypatch.setattr(collect, "collect", no_analysis)
    again = linter.check_paths([str(project)], run=replay).findings
    assert [f.to_json() for f in again] == [f.to_json() for f in first]
    assert again[0].origin is None  # replayed: fixes and the tracer must not use these
    # A run that needs the analysis (fixes, the tracer) never replays.
    needs_origins = collect.RunOptions(cache=FactsCache(tmp_path / "cache"), reuse_results=False)
    with pytest.raises(AssertionError, match="analyzed again"):
        linter.check_paths([str(project)], run=needs_origins)
    # Nor does a run over changed sources.
    (project / "train.py").write_text(TRAIN_NLL + "\n# edited\n")
    with pytest.raises(AssertionError, match="analyzed again"):
        linter.check_paths([str(project)], run=replay)


def test_the_cli_replays_only_when_nothing_needs_the_analysis(tmp_path, capsys):
    from losslint.cli import main

    project = write(tmp_path / "wrong", {"models.py": MODELS, "train.py": TRAIN_NLL})
    args = [str(project), "--isolated", "--cache-dir", str(tmp_path / "cache"), "--output-format", "json"]
    assert main(args) == 1
    first = capsys.readouterr().out
    assert main(args) == 1 and capsys.readouterr().out == first
    # --diff needs each finding's origin to build the fix: it must still produce the diff.
    assert main([*args[:-2], "--diff", "--unsafe-fixes"]) == 1
    assert "CrossEntropyLoss" in capsys.readouterr().out
