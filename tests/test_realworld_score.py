"""The real-world corpus scorer's matching and schema checks, on synthetic cases and findings."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCORE = Path(__file__).resolve().parents[1] / "benchmarks" / "realworld" / "score.py"
_spec = importlib.util.spec_from_file_location("realworld_score", SCORE)
score = importlib.util.module_from_spec(_spec)
sys.modules["realworld_score"] = score  # dataclasses look their module up while the class is built
_spec.loader.exec_module(score)

CASE_FILE = '''
repo = "someone/some-project"
commit = "0123456789abcdef0123456789abcdef01234567"
kind = "mid"

[[case]]
id = "double-softmax"
verdict = "mistake"
rules = ["LL103"]
activation = "models/net.py:40"
loss = "train.py:100"
shape = "registry"
evidence = "forward returns a softmax; train.py feeds it to CrossEntropyLoss."
labelled = "before-run"

[[case]]
id = "found-by-loss-end"
verdict = "mistake"
rules = ["LL202", "LL203"]
activation = "models/head.py:10"
loss = "train.py:200"
shape = "cross-file"
evidence = "sigmoid head into BCEWithLogitsLoss."

[[case]]
id = "missed"
verdict = "mistake"
rules = ["LL101"]
activation = "models/other.py:5"
loss = "train.py:300"
shape = "config"
evidence = "logits into NLLLoss."

[[case]]
id = "predict-only"
verdict = "silent"
rules = []
activation = "models/net.py:80"
loss = ""
shape = "plain"
evidence = "softmax only in predict()."

[[case]]
id = "attention"
verdict = "silent"
rules = []
activation = "models/attn.py:22"
loss = "train.py:100"
shape = "plain"
evidence = "attention weights, never at the loss."
'''


def _repo_cases(tmp_path: Path):
    path = tmp_path / "someone__some-project.toml"
    path.write_text(CASE_FILE)
    return score.load_case_file(path)


def _cases(tmp_path: Path) -> list:
    return _repo_cases(tmp_path).cases


def _record(code, path, row, related=(), cell=None):
    record = {"code": code, "filename": path, "location": {"row": row, "column": 1},
              "related": [{"filename": p, "location": {"row": r, "column": 1}, "message": ""} for p, r in related]}
    if cell is not None:
        record["cell"] = cell
    return record


def test_mistake_found_on_either_end_within_two_lines(tmp_path):
    base = tmp_path / "tree"
    records = [
        # activation end, two lines off, absolute path as losslint prints it
        _record("LL103", str(base / "models" / "net.py"), 42, [(str(base / "train.py"), 99)]),
        # only the related (loss) end is on the labelled line; the second listed rule is enough
        _record("LL203", str(base / "models" / "head_impl.py"), 3, [(str(base / "train.py"), 201)]),
    ]
    findings, uncoded = score.findings_from_json(records, base)
    result = score.match(_cases(tmp_path), findings)
    assert uncoded == 0
    assert [c.id for c in result.found] == ["double-softmax", "found-by-loss-end"]
    assert [c.id for c in result.missed] == ["missed"]
    assert len(result.true_findings) == 2 and not result.false_findings


def test_three_lines_off_or_other_file_is_not_found(tmp_path):
    findings, _ = score.findings_from_json([
        _record("LL103", "models/net.py", 43),          # 3 lines from 40
        _record("LL101", "models/other_file.py", 5),    # same line, other path
    ])
    result = score.match(_cases(tmp_path), findings)
    assert not result.found
    assert len(result.unlabelled) == 2
    assert len(result.false_findings) == 2


def test_wrong_code_on_a_mistake_line_is_unlabelled_and_named(tmp_path):
    findings, _ = score.findings_from_json([_record("LL104", "./models/net.py", 40)])
    result = score.match(_cases(tmp_path), findings)
    assert "double-softmax" in [c.id for c in result.missed]
    [(finding, note)] = result.unlabelled
    assert finding.code == "LL104" and "someone/some-project#double-softmax" in note


def test_silent_case_alarmed_by_any_code_on_its_line_only(tmp_path):
    findings, _ = score.findings_from_json([
        _record("LL401", "models/net.py", 81),
        # related end on train.py:100: finds the mistake, and the silent case that shares
        # that loss line is not blamed (a silent case is judged on its own line only)
        _record("LL103", "models/net.py", 40, [("train.py", 100)]),
    ])
    result = score.match(_cases(tmp_path), findings)
    assert [c.id for c, _ in result.alarmed] == ["predict-only"]
    assert [c.id for c in result.quiet] == ["attention"]
    assert [f.code for f in result.false_findings] == ["LL401"]
    assert not result.unlabelled  # a finding on a silent line is a false alarm, not unlabelled


def test_uncoded_findings_are_counted_not_scored():
    findings, uncoded = score.findings_from_json([{"code": None, "name": "invalid-syntax",
                                                   "filename": "py2.py", "location": {"row": 1}}])
    assert findings == [] and uncoded == 1


def test_notebook_cell_lines():
    line = score.Line.parse("nb/train.ipynb:cell3:12")
    assert (line.path, line.cell, line.row) == ("nb/train.ipynb", 3, 12)
    assert line.near(score.Site("nb/train.ipynb", 13, 3))
    assert not line.near(score.Site("nb/train.ipynb", 12, 4))
    assert score.Line.parse("nb/train.ipynb:12").near(score.Site("nb/train.ipynb", 12, 4))


def test_split_is_fixed_by_the_repository_name():
    for repo in ("someone/some-project", "Other/Name", "a/b", "x/y"):
        digit = hashlib.sha1(repo.lower().encode()).hexdigest()[0]
        assert score.split_of(repo) == ("tune" if digit in "01234567" else "report")
    assert score.split_of("Some/Repo") == score.split_of("some/repo")


def test_summary_recall_precision_and_shapes(tmp_path):
    rc = _repo_cases(tmp_path)
    findings, _ = score.findings_from_json([
        _record("LL103", "models/net.py", 40),
        _record("LL202", "models/attn.py", 21),  # on the attention look-alike
        _record("LL103", "utils/misc.py", 7),    # unlabelled
    ])
    result = score.RepoResult(rc, score.match(rc.cases, findings))
    skipped = score.RepoResult(rc, None, skipped="no mirror")
    out = score.report([result, skipped], "all")
    total = out["total"]
    assert (total["found"], total["mistakes"], total["recall"]) == (1, 3, 0.333)
    assert (total["true_findings"], total["false_findings"], total["precision"]) == (1, 2, 0.333)
    assert (total["silent_ok"], total["silent"], total["skipped_repos"]) == (1, 2, 1)
    assert out["by_shape"]["registry"] == {"found": 1, "missed": 0, "silent_ok": 0, "false_alarm": 0}
    assert out["by_shape"]["plain"] == {"found": 0, "missed": 0, "silent_ok": 1, "false_alarm": 1}
    assert out["skipped"] == ["no mirror"]
    assert [u["finding"].split()[0] for u in out["unlabelled"]] == ["utils/misc.py:7"]


@pytest.mark.parametrize("edit, message", [
    (('rules = ["LL101"]', "rules = []"), "a mistake names the rule code"),
    (('shape = "config"', 'shape = "magic"'), "unknown shape"),
    (('id = "missed"', 'id = "attention"'), "duplicate case id"),
    (('activation = "models/other.py:5"', 'activation = "models/other.py"'), "not path:line"),
    (('commit = "0123456789abcdef0123456789abcdef01234567"', 'commit = "HEAD"'), "40 lower-case hex"),
])
def test_schema_faults_are_one_line_errors(tmp_path, edit, message):
    path = tmp_path / "bad.toml"
    path.write_text(CASE_FILE.replace(*edit, 1))
    with pytest.raises(score.CaseError, match=message):
        score.load_case_file(path)


def _write_batch_files(tmp_path):
    """Two case files: the first corpus (no `batch`) and one added in batch stop-11."""
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "someone__some-project.toml").write_text(CASE_FILE)
    later = CASE_FILE.replace('repo = "someone/some-project"', 'repo = "other/later-project"', 1)
    later = later.replace('kind = "mid"', 'kind = "mid"\nbatch = "stop-11"', 1)
    (cases / "other__later-project.toml").write_text(later)
    return cases


def test_batch_key_is_read_and_filters_the_case_files(tmp_path):
    cases = _write_batch_files(tmp_path)
    everything = score.load_all(cases, set())
    assert sorted((rc.repo, rc.batch) for rc in everything) == [
        ("other/later-project", "stop-11"), ("someone/some-project", "")]
    assert [rc.repo for rc in score.load_all(cases, set(), "stop-11")] == ["other/later-project"]
    assert score.load_all(cases, {"someone/some-project"}, "stop-11") == []


@pytest.mark.parametrize("line", ['batch = ""', "batch = 11"])
def test_batch_must_be_a_non_empty_string(tmp_path, line):
    path = tmp_path / "bad.toml"
    path.write_text(CASE_FILE.replace('kind = "mid"', f'kind = "mid"\n{line}', 1))
    with pytest.raises(score.CaseError, match="`batch` must be a non-empty string"):
        score.load_case_file(path)


def test_batch_filter_that_matches_nothing_is_a_one_line_error(tmp_path, capsys):
    cases = _write_batch_files(tmp_path)
    assert score.main(["--cases", str(cases), "--batch", "stop-99", "--mirrors", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: no case file in {cases} has batch = 'stop-99'"


def test_batch_run_scores_only_that_batch_and_names_it(tmp_path, capsys):
    cases = _write_batch_files(tmp_path)
    # no mirrors here: the one repository of the batch is skipped, the other is not even tried
    assert score.main(["--cases", str(cases), "--batch", "stop-11", "--mirrors", str(tmp_path / "none"),
                       "--json", str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == "losslint real-world corpus, split all, batch stop-11"
    assert "other/later-project" in out.err and "someone/some-project" not in out.err
    assert '"batch": "stop-11"' in (tmp_path / "out.json").read_text()


def test_missing_mirror_is_a_skip_naming_the_fetch(tmp_path):
    with pytest.raises(score.Skip, match="fetch github:someone/some-project"):
        score.extract("someone/some-project", "0" * 40, tmp_path / "mirrors", tmp_path / "cache")


def test_corpus_case_files_follow_the_schema():
    cases_dir = SCORE.parent / "cases"
    assert score.main(["--check", "--cases", str(cases_dir)]) == 0


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_extract_skips_blobs_the_mirror_left_out(tmp_path):
    work = tmp_path / "mirrors" / "someone+some-project" / "repo"
    work.mkdir(parents=True)
    _git(work, "init", "-q")
    (work / "models").mkdir()
    (work / "models" / "net.py").write_text("x = 1\n")
    (work / "data.bin").write_text("large data\n")
    _git(work, "add", ".")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    commit = _git(work, "rev-parse", "HEAD")
    blob = _git(work, "rev-parse", "HEAD:data.bin")
    (work / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # as a mirror without its largest files
    tree = score.extract("someone/some-project", commit, tmp_path / "mirrors", tmp_path / "cache")
    assert (tree / "models" / "net.py").read_text() == "x = 1\n"
    assert not (tree / "data.bin").exists()
    with pytest.raises(score.Skip, match="not in"):
        score.extract("someone/some-project", "f" * 40, tmp_path / "mirrors", tmp_path / "cache")
