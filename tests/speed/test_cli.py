"""--jobs, --no-cache, --cache-dir and LOSSLINT_CACHE_DIR on the command line."""

import json

from losslint.cli import main
from tests.speed.helpers import write
from tests.speed.test_recall import MODELS, TRAIN_NLL


def _project(tmp_path):
    return write(tmp_path / "project", {"models.py": MODELS, "train.py": TRAIN_NLL})


def test_cache_dir_flag_and_variable(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path)
    assert main(["check", str(project), "--cache-dir", str(tmp_path / "flag"), "--output-format", "json"]) == 1
    first = json.loads(capsys.readouterr().out)
    assert (tmp_path / "flag" / "CACHEDIR.TAG").is_file()
    monkeypatch.setenv("LOSSLINT_CACHE_DIR", str(tmp_path / "variable"))
    assert main(["check", str(project), "--output-format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == first
    assert any((tmp_path / "variable" / "facts-v1").iterdir())


def test_no_cache_writes_nothing(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path)
    monkeypatch.setenv("LOSSLINT_CACHE_DIR", str(tmp_path / "unused"))
    assert main(["check", str(project), "--no-cache", "--jobs", "1"]) == 1
    assert not (tmp_path / "unused").exists()
    capsys.readouterr()


def test_jobs(tmp_path, capsys):
    project = _project(tmp_path)
    outputs = []
    for jobs in ("1", "2", "0"):
        assert main(["check", str(project), "-j", jobs, "--no-cache", "--output-format", "json"]) == 1
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert main(["check", str(project), "--jobs", "-1"]) == 2
    assert main(["check", str(project), "--jobs", "many"]) == 2
    err = capsys.readouterr().err
    assert "invalid job count" in err and "Traceback" not in err
