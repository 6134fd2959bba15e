"""Documents from standard input (an editor piping a buffer) and through the API."""

from __future__ import annotations

from losslint import api
from tests.cli.helpers import out, run
from tests.documents.test_doctest import HEADS
from tests.documents.test_markdown import CHAPTER

FIXED = CHAPTER.replace("nn.Linear(784, 10), nn.Softmax(dim=1))", "nn.Linear(784, 10))")


def test_markdown_on_stdin_reports_document_rows(tmp_path):
    result = run(["--output-format", "concise", "--stdin-filename", "docs/chapter.md", "-"], tmp_path, stdin=CHAPTER)
    assert result.returncode == 1
    assert out(result).startswith("docs/chapter.md:15:")


def test_markdown_on_stdin_fixed_to_stdout(tmp_path):
    result = run(["--fix", "--stdin-filename", "chapter.md", "-"], tmp_path, stdin=CHAPTER)
    assert out(result) == FIXED and result.returncode == 0


def test_api_check_source_for_a_document_and_a_python_file_with_doctests():
    [record] = api.check_source(CHAPTER, "chapter.md", isolated=True)
    assert (record["code"], record["location"]["row"]) == ("LL103", 15)
    [record] = api.check_source(HEADS, "heads.py", isolated=True)
    assert (record["code"], record["location"]["row"]) == ("LL103", 6)
