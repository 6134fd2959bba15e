"""The pipeline: files -> sources -> facts -> pairs -> findings.

    discovery.discover   which files
    analysis.file_facts  one file -> facts (libcst)
    analysis.analyze     all facts -> (activation, loss) pairs
    rules.pair_table     pairs -> findings, by the rule catalog; rules.checks: the check rules
"""

from __future__ import annotations

from dataclasses import dataclass, field

from losslint import documents
from losslint.core import notebook
from losslint.core.findings import Finding
from losslint.core.sources import Snippets, read_source
from losslint.engine import collect, noqa, workers
from losslint.engine.collect import RunOptions
from losslint.engine.config import Settings
from losslint.engine.discovery import find_files
from losslint.rules import catalog


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Jupyter notebooks and documents (losslint.documents) among the files: findings use
    # joined-source rows until reporters get them through notebook.locate(findings,
    # notebooks) (cell-relative rows, document rows).
    notebooks: dict[str, notebook.Notebook] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # discovery's (symlink loops, ...), for stderr
    sources: dict[str, str] = field(default_factory=dict)  # what was linted, by path (for --fix)


def check_paths(paths: list[str], settings: Settings | None = None, run: RunOptions | None = None) -> Result:
    """Lint files and directories. Raises discovery.PathNotFound for a missing path."""
    found = find_files(paths, settings)
    files = found.files
    sources: dict[str, str] = {}
    problems: list[Finding] = [_file_error(str(d), OSError(0, why)) for d, why in found.unreadable]
    notebooks: dict[str, notebook.Notebook] = {}
    warnings: list[str] = []
    for path in files:
        try:
            if notebook.is_notebook(path):
                notebooks[str(path)] = notebook.read(path)
                sources[str(path)] = notebooks[str(path)].source
            else:
                text = read_source(path)
                page = documents.embedded(str(path), text)  # Markdown, rST, doctests: their Python blocks
                if page is not None:
                    notebooks[str(path)] = page
                sources[str(path)] = page.source if page is not None else text
        except notebook.NotebookError as exc:
            problems.append(exc.finding(str(path)))
        except UnicodeDecodeError as exc:
            if documents.is_document(path):  # prose in another encoding: no Python read, no error
                warnings.append(f"{path}: not valid UTF-8, its code blocks were not read")
                continue
            problems.append(_file_error(str(path), exc))
        except OSError as exc:
            problems.append(_file_error(str(path), exc))
    result = Result(findings=check_sources(sources, settings, run) + problems, files=[str(p) for p in files], notebooks=notebooks)
    result.warnings = found.warnings + warnings
    result.sources = sources
    result.findings.sort(key=Finding.sort_key)
    return result


def check_notebook_text(path: str, text: str, settings: Settings | None = None) -> Result:
    """Lint a notebook given as text (stdin, the API): a Result whose `notebooks` holds
    it, or with one io-error finding when the text is not a notebook."""
    try:
        book = notebook.parse(text, path)
    except notebook.NotebookError as exc:
        return Result(findings=[exc.finding(path)], files=[path])
    findings = check_sources({path: book.source}, settings)
    return Result(findings=findings, files=[path], notebooks={path: book})


def check_document_text(path: str, text: str, settings: Settings | None = None) -> Result | None:
    """Lint a file given as text (stdin, the API) whose Python is embedded (Markdown,
    reStructuredText, a Python file with doctests): a Result whose `notebooks` holds the
    document; None when the file embeds none (its text is the source)."""
    page = documents.embedded(path, text)
    if page is None:
        return None
    findings = check_sources({path: page.source}, settings)
    return Result(findings=findings, files=[path], notebooks={path: page}, sources={path: page.source})


def check_sources(sources: dict[str, str], settings: Settings | None = None, run: RunOptions | None = None) -> list[Finding]:
    """Lint in-memory sources as one project: {path: source}. `settings` selects rules
    (default: all); noqa comments are honoured either way. `run`: processes, cache and
    progress (collect.RunOptions; default: this process only, no cache)."""
    with workers.gc_paused():  # millions of long-lived objects: see workers.gc_paused
        return _check_sources(sources, settings, run)


def _check_sources(sources: dict[str, str], settings: Settings | None, run: RunOptions | None) -> list[Finding]:
    key = collect.project_key(sources, settings, run)  # None without a cache
    if collect.known_clean(key, run):  # unchanged since a run that found nothing
        findings = noqa.apply([], sources, settings)
        if not findings:
            return findings
    reused = collect.known_findings(key, run)  # unchanged since the last run
    if reused is not None:
        return reused
    findings = _check_anew(sources, settings, run, key)
    collect.remember_findings(key, findings, run)
    return findings


def _check_anew(sources: dict[str, str], settings: Settings | None, run: RunOptions | None, key: str | None) -> list[Finding]:
    run = run or RunOptions()
    # One pool of processes for every step, forked before this process holds any facts.
    with workers.Runner(run.jobs, expected=sum(map(len, sources.values()))) as runner:
        collected = collect.collect(sources, run, runner)  # only the files that matter are parsed
        findings = _judge_all(collected, sources, settings, run, runner)
        findings = _with_fixes(collected, findings, sources, settings, run, runner)
    collect.remember_clean(collected, key, run)
    return findings


def _judge_all(collected: collect.Collected, sources, settings, run: RunOptions, runner) -> list[Finding]:
    findings = _judge(collected, sources, settings)
    while collect.more(collected, run, runner):  # judging looked into files not parsed yet
        findings = _judge(collected, sources, settings)
    return findings


def _with_fixes(collected: collect.Collected, findings: list[Finding], sources, settings, run: RunOptions, runner) -> list[Finding]:
    """Set finding.fix on the findings that have one. A fix that changes a model's output
    or a criterion looks for every use of it, so the files that may hold one are parsed
    first: the files the model and the criterion come from and every file importing them
    (collect.users), then whatever the analysis of those, or the fixes' own lookups of
    callers by name, land on. The findings stay the same (the prefilter never costs
    recall); only the fixes need more files, and the stable spellings of LL105/LL206 none."""
    from losslint import fixes  # libcst: not needed by a warm run on a clean project

    rules = catalog.load()
    while True:  # each round parses at least one more file, or ends
        seeds = set() if collected.complete else fixes.project_files(findings, collected.analysis, rules)
        if seeds and collect.load(collected, collect.users(collected, seeds), run, runner):
            findings = _judge_all(collected, sources, settings, run, runner)
            continue
        view = fixes.attach(findings, collected.analysis, sources, rules)  # finding.fix, for what remains
        if not seeds:
            return findings
        wanted = collected.analysis.project.missing | collect.calling(collected, view.names_asked)
        if not collect.load(collected, wanted, run, runner):
            return findings
        findings = _judge_all(collected, sources, settings, run, runner)


def _judge(collected: collect.Collected, sources: dict[str, str], settings: Settings | None) -> list[Finding]:
    from losslint.rules import checks, pair_table

    facts, result = collected.facts_list(), collected.analysis
    findings = [_syntax_error(f.path, f.syntax_error) for f in facts if f.syntax_error is not None]
    snippets = Snippets(sources)
    findings += pair_table.judge(result.pairs, result.logs, catalog.load(), snippets)
    findings = checks.judge(result, catalog.load(), snippets, findings)  # LL3xx-LL6xx
    collected.found_nothing = not findings  # before noqa: a clean project (see collect.known_clean)
    return noqa.apply(findings, sources, settings)  # selection, suppression, LL901; sorted


def _syntax_error(path: str, error) -> Finding:
    return Finding.problem("invalid-syntax", error.message, path, error.row, error.column)


def _file_error(path: str, exc: Exception) -> Finding:
    reason = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
    return Finding.problem("io-error", f"Failed to read file: {reason}", path)
