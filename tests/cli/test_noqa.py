"""Suppression: `# noqa: LL103` (codes and names), bare `# noqa`, `# losslint: noqa`,
two-site findings, LL901 unused-noqa, and `--add-noqa`."""

from __future__ import annotations

import json
import os
import stat
import textwrap

import pytest

from losslint.core.findings import Finding, Position, Site
from losslint.engine import noqa
from losslint.engine.linter import check_sources
from tests.cli.helpers import CE_CALL_ROW, CE_CTOR_ROW, MODELS, SINGLE, SOFTMAX_ROW, TRAIN, project, write

SOFTMAX_LINE = "model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1))"


def lint(source: str) -> list[tuple[str, int]]:
    source = textwrap.dedent(source).lstrip("\n")
    return [(f.code or f.name, f.site.row) for f in check_sources({"/proj/m.py": source})]


def with_comment(comment: str) -> str:
    return SINGLE.replace(SOFTMAX_LINE, f"{SOFTMAX_LINE}  {comment}")


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: LL103",
        "# noqa:LL103",
        "#noqa : LL103",
        "# NOQA: LL103",
        "# noqa: softmax-before-cross-entropy",
        "# noqa: E501, LL103",
        "# noqa: E501 LL103 F401",
        "# noqa",
        "# type: ignore[attr-defined]  # noqa: LL103",
        "# noqa: LL103 -- the model is only used with NLLLoss elsewhere",
    ],
)
def test_noqa_suppresses(comment):
    assert lint(with_comment(comment)) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: LL201",  # another rule: LL103 stays, and the noqa is unused
        "# noqa: E501",  # another tool's code
        "# noqa: ll103",  # codes are upper case, like ruff; not a bare noqa either
        "# noqa:",  # no code: an invalid directive, not a bare noqa
        "# noqa-LL103",
        "# not a noqa: LL103",
    ],
)
def test_noqa_that_does_not_suppress(comment):
    assert ("LL103", 3) in lint(with_comment(comment))


def test_noqa_inside_a_string_is_not_a_comment():
    source = SINGLE.replace(SOFTMAX_LINE, 'model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1)); note = "# noqa: LL103"')
    assert lint(source) == [("LL103", 3)]


def test_file_level_noqa():
    single = SINGLE.lstrip()
    assert lint("# losslint: noqa\n" + single) == []
    assert lint("# flake8: noqa\n" + single) == []  # also honoured by flake8 itself
    assert lint("# losslint: noqa: LL103\n" + single) == []
    assert lint("# losslint: noqa: LL201\n" + single) == [("LL103", 4)]
    # Only as a comment on its own line (ruff's rule for its file-level form), never in a string.
    assert lint(single.replace(SOFTMAX_LINE, SOFTMAX_LINE + "  # losslint: noqa")) == [("LL103", 3)]
    assert lint('x = "# losslint: noqa"\n' + single) == [("LL103", 4)]
    assert lint("x = 1\n# losslint: noqa\n" + single) == []  # anywhere in the file


def test_two_site_finding_suppressed_at_either_site_in_either_file(tmp_path):
    models = textwrap.dedent(MODELS).lstrip()
    train = textwrap.dedent(TRAIN).lstrip()

    def run(models_text, train_text):
        files = {str(tmp_path / "models.py"): models_text, str(tmp_path / "train.py"): train_text}
        return [(f.code, os.path.basename(f.site.path)) for f in check_sources(files)]

    assert ("LL103", "models.py") in run(models, train)

    def on_row(text, row, comment):
        lines = text.splitlines()
        lines[row - 1] += f"  {comment}"
        return "\n".join(lines) + "\n"

    # On the activation (the finding's own row), on the loss call, on the criterion's creation.
    assert ("LL103", "models.py") not in run(on_row(models, SOFTMAX_ROW, "# noqa: LL103"), train)
    assert ("LL103", "models.py") not in run(models, on_row(train, CE_CALL_ROW, "# noqa: LL103"))
    assert ("LL103", "models.py") not in run(models, on_row(train, CE_CTOR_ROW, "# noqa: softmax-before-cross-entropy"))
    # A file-level noqa in the training loop's file covers its half of the mistake too.
    assert run(models, "# losslint: noqa\n" + train) == []
    # Either noqa is used: no LL901 for either of them.
    both = run(on_row(models, SOFTMAX_ROW, "# noqa: LL103"), on_row(train, CE_CALL_ROW, "# noqa: LL103"))
    assert both == [("LL203", "models.py")]


def test_unused_noqa_ll901():
    findings = check_sources({"/proj/m.py": with_comment("# noqa: LL103, LL201, E501, LL999")})
    assert [f.code for f in findings] == ["LL901"]
    finding = findings[0]
    assert finding.message == "Unused `noqa` directive (unused: `LL201`; unknown: `LL999`)"
    assert finding.severity == "warning"
    line = with_comment("# noqa: LL103, LL201, E501, LL999").splitlines()[3]
    assert finding.site.row == 4 and finding.site.start.column == line.index("# noqa") + 1
    assert finding.site.end.column == len(line) + 1
    # The fix keeps the used and the foreign codes.
    (edit,) = finding.fix.edits
    assert finding.fix.applicability == "safe"
    assert edit.content == "LL103, E501"


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        ("x = 1  # noqa: LL103", "x = 1"),
        ("x = 1  # noqa: LL103, LL201", "x = 1"),
        ("x = 1  # noqa: LL103 because the model is exported", "x = 1  # because the model is exported"),
        ("x = 1  # keep me  # noqa: LL103", "x = 1  # keep me"),
        ("x = 1  # noqa: LL103, E501", "x = 1  # noqa: E501"),
    ],
)
def test_ll901_fix_removes_what_is_unused(line, fixed):
    from losslint.reporters.full import apply_edits

    source = f"import torch\n{line}\n"
    (finding,) = check_sources({"/proj/m.py": source})
    assert finding.code == "LL901"
    assert apply_edits(source.splitlines(), list(finding.fix.edits)) == ["import torch", fixed]


def test_ll901_leaves_foreign_codes_bare_noqa_and_itself_alone():
    assert lint("x = 1  # noqa: E501, F401\n") == []
    assert lint("x = 1  # noqa\n") == []
    assert lint("x = 1  # noqa: LL103, LL901\n") == []  # told to keep it
    assert lint("x = 1  # noqa: LL103, unused-noqa\n") == []
    assert lint("# losslint: noqa: LL901\nx = 1  # noqa: LL103\n") == []


def test_ll901_non_enabled_and_deselection(tmp_path, cli):
    write(tmp_path, {"m.py": "x = 1  # noqa: LL105\n"})
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nignore = ["LL105"]\n'})
    code, stdout, _ = cli(["--output-format", "json"], tmp_path)
    assert [r["message"] for r in json.loads(stdout)] == ["Unused `noqa` directive (non-enabled: `LL105`)"]
    write(tmp_path, {"pyproject.toml": '[tool.losslint]\nignore = ["LL105", "unused-noqa"]\n'})
    assert cli([], tmp_path)[0] == 0


def test_rule_examples_go_through_noqa_processing():
    """check_sources (what the rule-example tests call) applies noqa itself."""
    assert lint(SINGLE) == [("LL103", 3)]
    assert lint(with_comment("# noqa: LL103")) == []


def test_comments_in_a_file_that_does_not_tokenize():
    assert noqa.parse("x = (1,\n# noqa: LL103\n").by_row.get(2) is not None
    assert lint("def f(:\n    pass  # noqa\n") == [("invalid-syntax", 1)]  # never suppressed


# --- --add-noqa ---------------------------------------------------------------------


def test_add_noqa_then_clean(tmp_path, cli):
    project(tmp_path)
    write(tmp_path, {"single.py": SINGLE})
    code, stdout, stderr = cli(["--add-noqa"], tmp_path)
    assert (code, stdout) == (0, "")
    assert stderr == "Added 3 noqa directives.\n"
    models = (tmp_path / "models.py").read_text().splitlines()
    assert models[SOFTMAX_ROW - 1] == "        self.act = nn.Softmax(dim=1)  # noqa: LL103"
    assert models[19].endswith("return self.head(x).sigmoid()  # noqa: LL203")
    assert (tmp_path / "train.py").read_text() == textwrap.dedent(TRAIN).lstrip()  # untouched
    assert cli([], tmp_path)[:2] == (0, "All checks passed!\n")
    assert cli(["--add-noqa"], tmp_path)[2] == "Added 0 noqa directives.\n"


def test_add_noqa_merges_with_existing_comments(tmp_path, cli):
    source = textwrap.dedent(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        head = nn.Linear(8, 4)


        def loss_fn(x, y):
            probs = F.softmax(head(x), dim=1)  # noqa: E501
            logp = torch.log(F.softmax(head(x), dim=1))  # keep: explained below
            return F.cross_entropy(probs, y) + F.nll_loss(logp, y)
        """
    ).lstrip()
    write(tmp_path, {"m.py": source})
    before = [(r["code"], r["noqa_row"]) for r in json.loads(cli(["--output-format", "json"], tmp_path)[1])]
    assert before == [("LL103", 9), ("LL105", 10)]
    assert cli(["--add-noqa"], tmp_path)[2] == "Added 2 noqa directives.\n"
    lines = (tmp_path / "m.py").read_text().splitlines()
    assert lines[8] == "    probs = F.softmax(head(x), dim=1)  # noqa: E501, LL103"
    assert lines[9] == "    logp = torch.log(F.softmax(head(x), dim=1))  # keep: explained below  # noqa: LL105"
    assert cli([], tmp_path)[0] == 0


def test_add_noqa_keeps_crlf_bom_and_mode(tmp_path, cli):
    source = "\ufeff" + textwrap.dedent(SINGLE).lstrip().replace("\n", "\r\n")
    path = tmp_path / "win.py"
    path.write_bytes(source.encode("utf-8"))
    path.chmod(0o750)
    assert cli(["--add-noqa"], tmp_path)[0] == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == source.count("\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert f"{SOFTMAX_LINE}  # noqa: LL103\r\n".encode() in data
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert [p.name for p in tmp_path.iterdir()] == ["win.py"]  # no temporary file left


def test_add_noqa_skips_lines_that_cannot_take_a_comment(tmp_path):
    source = textwrap.dedent(
        '''
        import torch.nn.functional as F

        probs = F.softmax(logits, dim=1) + \\
            0.0
        doc = """text
        more text"""
        loss = F.cross_entropy(probs, y)
        '''
    ).lstrip()
    path = tmp_path / "m.py"
    path.write_text(source)

    def at(row: int) -> Finding:
        site = Site(str(path), Position(row, 1), Position(row, 2))
        return Finding(code="LL103", name="softmax-before-cross-entropy", message="m", site=site, noqa_row=row)

    # Row 3 ends with a backslash, row 5 inside a string: a comment there would break the file.
    added = noqa.add_noqa([at(3), at(5), at(7)])
    assert added.lines == 1
    assert [s.split(": ", 1)[0] for s in added.skipped] == [f"{path}:3", f"{path}:5"]
    lines = path.read_text().splitlines()
    assert lines[6] == "loss = F.cross_entropy(probs, y)  # noqa: LL103"
    assert lines[2].endswith("\\") and lines[4] == 'doc = """text'
    compile(path.read_text(), "m.py", "exec")


def test_noqa_rows_inside_strings_are_known():
    found = noqa.parse('x = """\nline\n"""  # noqa: LL103\ny = 1\n')
    assert found.string_rows == {1, 2}
    assert found.by_row[3].codes[0].rule == "LL103"
