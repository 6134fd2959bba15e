"""Suppression comments, rule selection per file, unused suppressions, `--add-noqa`.

    x = model(x)  # noqa: LL103            one rule (code or kebab-case name)
    x = model(x)  # noqa: LL103, LL201     several, comma or space separated
    x = model(x)  # noqa                   every rule on this line
    # losslint: noqa                       the whole file (own line; `# flake8: noqa` too)
    # losslint: noqa: LL105                one rule in the whole file

A finding spans two sites (the activation and the loss, maybe in two files): a noqa on
the row of either site suppresses it. Comments are found with `tokenize`, so `# noqa`
inside a string is not a comment. Codes of other tools (`E501`, `F401`) are ignored,
so ruff's and flake8's suppressions can share a comment with losslint's.

`apply` runs inside linter.check_sources, so every caller (CLI, library, editors, the
rule-example tests) sees the same findings.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from losslint import documents
from losslint.core import notebook
from losslint.core.atomic import write_atomic
from losslint.core.findings import Edit, Finding, Fix, Position, Site
from losslint.core.sources import split_lines
from losslint.engine import workers
from losslint.engine.config import Settings
from losslint.engine.factcache import FactsCache, entry_key
from losslint.rules import catalog
from losslint.rules.catalog import Rule

_NOQA = re.compile(r"#\s*noqa(?![\w-])", re.IGNORECASE)
_COLON = re.compile(r"\s*:\s*")
_FILE_NOQA = re.compile(r"#\s*(?P<tool>losslint|flake8)\s*:\s*noqa(?![\w-])", re.IGNORECASE)
_WORD = re.compile(r"[\s,]*([A-Za-z][A-Za-z0-9_-]*)")
_CODE = re.compile(r"[A-Z]+[0-9]+")
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)


@dataclass
class Code:
    """One code in a noqa comment, as written."""

    text: str
    rule: str | None  # the losslint code it names; None for another tool's code
    unknown: bool  # looks like a losslint code (LL...) but names no rule
    start: int  # 0-based columns within the line
    end: int
    used: bool = False


@dataclass
class Directive:
    row: int
    start: int  # 0-based column of the directive's hash sign
    end: int  # end of `noqa` or of the last code
    comment_start: int  # where the comment token starts
    comment_end: int
    codes: list[Code] | None  # None: a bare directive (no codes)
    used: bool = False

    def covers(self, code: str) -> list[Code] | None:
        """The codes that name `code` (empty list for a bare noqa), or None."""
        if self.codes is None:
            return []
        hits = [c for c in self.codes if c.rule == code]
        return hits or None


@dataclass
class FileDirectives:
    exempt_all: bool = False  # `# losslint: noqa`
    exempt_codes: set[str] = field(default_factory=set)  # `# losslint: noqa: LL105`
    by_row: dict[int, Directive] = field(default_factory=dict)
    string_rows: set[int] = field(default_factory=set)  # rows that end inside a string


def _code(word: str, start: int) -> Code | None:
    rules = catalog.load()
    rule = rules.by_code_or_name(word) if (_CODE.fullmatch(word) or not word[0].isupper()) else None
    if rule is not None and (word == rule.code or word.lower() == rule.name):
        return Code(word, rule.code, False, start, start + len(word))
    if _CODE.fullmatch(word):
        unknown = word.startswith("LL")
        return Code(word, None, unknown, start, start + len(word))
    return None  # free text after the codes ends the list


def _codes(line: str, pos: int) -> tuple[list[Code], int]:
    codes: list[Code] = []
    while (match := _WORD.match(line, pos)) is not None:
        code = _code(match.group(1), match.start(1))
        if code is None:
            break
        codes.append(code)
        pos = match.end()
    return codes, pos


def parse(source: str) -> FileDirectives:
    """The noqa comments of a source (a partial result when it does not tokenize)."""
    result = FileDirectives()
    fstring_rows: list[int] = []  # Python 3.12+ tokenizes f-strings in pieces
    try:
        for token in tokenize.generate_tokens(io.StringIO(source, newline="").readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                result.string_rows.update(range(token.start[0], token.end[0]))
            elif token.type == _FSTRING_START:
                fstring_rows.append(token.start[0])
            elif token.type == _FSTRING_END and fstring_rows:
                result.string_rows.update(range(fstring_rows.pop(), token.end[0]))
            if token.type != tokenize.COMMENT:
                continue
            row, column = token.start
            if not token.line[:column].strip() and _file_level(token.string, result):
                continue
            directive = _directive(token.string, row, column)
            if directive is not None:
                result.by_row.setdefault(row, directive)
    except (tokenize.TokenError, SyntaxError):
        pass
    return result


def _file_level(comment: str, result: FileDirectives) -> bool:
    match = _FILE_NOQA.match(comment)
    if match is None:
        return False
    colon = _COLON.match(comment, match.end())
    if colon is None:
        result.exempt_all = True
        return True
    if match.group("tool").lower() == "losslint":  # flake8 ignores its file-level form with codes
        codes, _ = _codes(comment, colon.end())
        result.exempt_codes.update(c.rule for c in codes if c.rule)
    return True


def _directive(comment: str, row: int, column: int) -> Directive | None:
    match = _NOQA.search(comment)
    if match is None:
        return None
    end = match.end()
    codes = None
    colon = _COLON.match(comment, end)
    if colon is not None:
        codes, _ = _codes(comment, colon.end())
        if not codes:  # a colon and no valid code: ruff's invalid directive, not a bare one
            return None
        end = codes[-1].end
    for code in codes or []:
        code.start += column
        code.end += column
    return Directive(row, column + match.start(), column + end, column, column + len(comment), codes)


# --- applying suppressions ------------------------------------------------------------


def apply(
    findings: list[Finding], sources: dict[str, str], settings: Settings | None = None, cache: FactsCache | None = None, parsed: dict[str, bytes] | None = None
) -> list[Finding]:
    """Drop findings of rules not enabled for their file and findings under a noqa; add
    LL901 for suppressions that suppressed nothing. Sorted. `parsed`: parse_all(sources)."""
    enabled = settings.is_enabled if settings is not None else _everything
    directives = _decoded(parse_all(sources, cache) if parsed is None else parsed, sources)
    kept = []
    for finding in findings:
        if finding.code is None:  # invalid-syntax / io-error: never deselected
            kept.append(finding)
        elif enabled(finding.code, finding.site.path) and not _suppressed(finding, directives):
            kept.append(finding)
    kept += unused(directives, sources, enabled)
    kept.sort(key=Finding.sort_key)
    return kept


def parse_all(sources: dict[str, str], cache: FactsCache | None = None, runner: workers.Runner | None = None) -> dict[str, bytes]:
    """parse() of every source that mentions noqa, encoded (workers.encode). With a cache,
    each file's directives are kept by its content (torch's package: 429 such files, 4 s
    of tokenizing): a check that replays its findings (engine/verdicts) tokenizes only the
    edited files. With a runner, the files are tokenized in its pool of processes."""
    found: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    todo = []
    for path, source in sources.items():
        if "noqa" not in source.lower():
            continue
        if cache is not None:
            keys[path] = entry_key("noqa", path, (), source)
            data = cache.get(keys[path])
            if data:
                found[path] = data
                continue
        todo.append(workers.Task("noqa", path, source))

    def done(task: workers.Task, result: FileDirectives, data: bytes | None) -> None:
        found[task.path] = data if data is not None else workers.encode(result)
        if cache is not None:
            cache.put(keys[task.path], found[task.path])

    (runner or workers.Runner(1)).run(todo, done, work=parse_task)
    return found


def parse_task(task: workers.Task) -> FileDirectives:
    return parse(task.source)


def _decoded(encoded: dict[str, bytes], sources: dict[str, str]) -> dict[str, FileDirectives]:
    """Fresh objects every time (applying marks the directives used); an entry that fails
    to load is parsed again."""
    directives = {}
    for path, data in encoded.items():
        try:
            directives[path] = workers.decode(data)
        except Exception:  # noqa: BLE001 - a corrupt cache entry
            directives[path] = parse(sources[path])
    return directives


def _suppressed(finding: Finding, directives: dict[str, FileDirectives]) -> bool:
    sites = [(finding.site.path, finding.noqa_row or finding.site.row)]
    sites += [(r.site.path, r.site.start.row) for r in finding.related]
    suppressed = False
    for path, row in sites:
        found = directives.get(path)
        if found is None:
            continue
        if found.exempt_all or finding.code in found.exempt_codes:
            suppressed = True
        directive = found.by_row.get(row)
        hits = directive.covers(finding.code) if directive is not None else None
        if hits is not None:
            directive.used = True
            for code in hits:
                code.used = True
            suppressed = True
    return suppressed


def _everything(code: str, path: str) -> bool:
    return True


def unused_noqa_rule() -> Rule | None:
    """The rule of the suppressions that suppress nothing: the catalog's rule of kind
    "meta" (rules/LL901-unused-noqa.toml)."""
    return next(iter(catalog.load().of_kind("meta")), None)


def unused(directives: dict[str, FileDirectives], sources: dict[str, str], enabled: Callable[[str, str], bool]) -> list[Finding]:
    rule = unused_noqa_rule()
    if rule is None:
        return []
    findings = []
    for path, found in directives.items():
        if found.exempt_all or rule.code in found.exempt_codes or not enabled(rule.code, path):
            continue
        lines = [line.rstrip("\r\n") for line in split_lines(sources[path])]
        for directive in found.by_row.values():
            if directive.codes is None or directive.covers(rule.code) is not None:
                continue
            line = lines[directive.row - 1] if directive.row <= len(lines) else ""
            finding = _unused_finding(rule, path, line, directive, enabled)
            if finding is not None:
                findings.append(finding)
    return findings


def _unused_finding(rule, path: str, line: str, directive: Directive, enabled: Callable[[str, str], bool]) -> Finding | None:
    groups: dict[str, list[Code]] = {"unused": [], "non-enabled": [], "unknown": []}
    for code in directive.codes:
        if code.unknown:
            groups["unknown"].append(code)
        elif code.rule is not None and not code.used:
            key = "unused" if enabled(code.rule, path) else "non-enabled"
            groups[key].append(code)
    if not any(groups.values()):
        return None
    detail = "; ".join(f"{kind}: {', '.join(f'`{c.text}`' for c in codes)}" for kind, codes in groups.items() if codes)
    site = Site(path, Position(directive.row, directive.start + 1), Position(directive.row, directive.end + 1))
    remove = {id(c) for codes in groups.values() for c in codes}
    return Finding(
        code=rule.code,
        name=rule.name,
        message=rule.message.format(codes=detail),
        site=site,
        severity=rule.severity,
        url=rule.url,
        noqa_row=directive.row,
        fix=_removal(path, line, directive, [c for c in directive.codes if id(c) not in remove]),
    )


def _removal(path: str, line: str, directive: Directive, keep: list[Code]) -> Fix:
    """Remove the unused codes, or the whole directive when none is left."""
    row = directive.row

    def edit(start: int, end: int, content: str) -> Edit:
        return Edit(content, Site(path, Position(row, start + 1), Position(row, end + 1)))

    if keep:
        first, last = directive.codes[0], directive.codes[-1]
        text = ", ".join(c.text for c in keep)
        return Fix("safe", "Remove unused codes from the `noqa` directive", (edit(first.start, last.end, text),))
    rest = line[directive.end : directive.comment_end].strip()
    if rest:  # a noqa for LL103 followed by "because ..." keeps its explanation as a plain comment
        end = len(line[: directive.comment_end]) - len(line[directive.end : directive.comment_end].lstrip())
        return Fix("safe", "Remove unused `noqa` directive", (edit(directive.start, end, "# "),))
    start = len(line[: directive.start].rstrip())
    return Fix("safe", "Remove unused `noqa` directive", (edit(start, directive.comment_end, ""),))


# --- --add-noqa ---------------------------------------------------------------------


@dataclass
class Added:
    lines: int = 0  # lines that got a new or a longer noqa comment
    skipped: list[str] = field(default_factory=list)  # "path:row: why"


def add_noqa(findings: list[Finding]) -> Added:
    """Insert `# noqa: CODE` at the noqa row of every finding (not for syntax errors or
    LL901), merging with an existing noqa comment. Files are rewritten atomically,
    keeping their line endings, BOM and mode; notebooks get the comment in the cell
    line of the finding, and only the changed cells are rewritten."""
    wanted: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    unused_noqa = unused_noqa_rule()
    for finding in findings:
        if finding.code is None or (unused_noqa and finding.code == unused_noqa.code) or finding.noqa_row is None:
            continue
        wanted[finding.site.path][finding.noqa_row].add(finding.code)
    added = Added()
    for path, rows in sorted(wanted.items()):
        if not os.path.isfile(path):
            added.skipped.append(f"{path}: not a file, no noqa added")
        elif notebook.is_notebook(path):
            added.lines += _add_to_notebook(Path(path), rows, added.skipped)
        elif documents.is_document(path) or _has_doctests(path):
            added.lines += _add_to_notebook(Path(path), rows, added.skipped, documents.read)
        else:
            added.lines += _add_to_file(Path(path), rows, added.skipped)
    return added


def _has_doctests(path: str) -> bool:
    """A Python file linted with its docstrings' doctests: rows past its end are theirs."""
    try:
        return path.endswith(".py") and documents.read(path) is not None
    except (OSError, UnicodeDecodeError):
        return False


def _add_to_file(path: Path, rows: dict[int, set[str]], skipped: list[str]) -> int:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = split_lines(text)
    changed = _add_to_lines(text, lines, rows, skipped, lambda row: f"{path}:{row}")
    if changed:
        encoded = ("\ufeff" if bom else "") + "".join(lines)
        write_atomic(path, encoded.encode("utf-8"))
    return len(changed)


def _add_to_notebook(path: Path, rows: dict[int, set[str]], skipped: list[str], read=notebook.read) -> int:
    """The rows are rows of the joined cells (what the linter read): the comments are
    added there and notebook.replace_lines puts each edited line back in its cell (a
    document's replace_lines, in its block)."""
    try:
        book = read(path)
    except (notebook.NotebookError, OSError, UnicodeDecodeError) as exc:
        skipped.append(f"{path}: {exc}, no noqa added")
        return 0
    lines = split_lines(book.source)
    if len(lines) != len(book.lines):  # a lone CR in a cell: tokenizer rows are not cell rows
        skipped.append(f"{path}: a cell has a carriage return inside a line, no noqa added")
        return 0

    def where(row: int) -> str:
        if isinstance(book, notebook.Notebook):
            cell, position = book.position(Position(row, 1))
            return f"{path}:cell {cell}:{position.row}"
        return f"{path}:{book.row(row)}"

    changed = _add_to_lines(book.source, lines, rows, skipped, where)
    replaced = {row: lines[row - 1][:-1] for row in changed}  # minus the "\n" joining the cells
    text = notebook.replace_lines(book, replaced) if isinstance(book, notebook.Notebook) else book.replace_lines(replaced)
    if text != book.text:
        bom = "\ufeff" if path.read_bytes().startswith(b"\xef\xbb\xbf") else ""
        write_atomic(path, (bom + text).encode("utf-8"))
    return len(changed)


def _add_to_lines(text: str, lines: list[str], rows: dict[int, set[str]], skipped: list[str], where: Callable[[int], str]) -> list[int]:
    """Add the codes to `lines` (split_lines(text)) in place; the rows changed."""
    found = parse(text)
    changed = []
    for row, codes in sorted(rows.items()):
        if not 0 < row <= len(lines):
            continue
        line = lines[row - 1]
        body = line.rstrip("\r\n")
        eol = line[len(body) :]
        if row in found.string_rows or body.rstrip().endswith("\\"):
            skipped.append(f"{where(row)}: the line ends inside a string or continues, no comment possible")
            continue
        directive = found.by_row.get(row)
        if directive is not None and directive.codes is None:
            continue  # a bare noqa already covers everything
        if directive is not None:
            new = sorted(c for c in codes if directive.covers(c) is None)
            if not new:
                continue
            at = directive.end
            body = body[:at] + ", " + ", ".join(new) + body[at:]
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
        lines[row - 1] = body + eol
        changed.append(row)
    return changed
