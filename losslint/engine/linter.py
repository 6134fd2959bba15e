"""The pipeline: files -> sources -> facts -> pairs -> findings.

    discovery.discover   which files
    analysis.file_facts  one file -> facts (libcst)
    analysis.analyze     all facts -> (activation, loss) pairs
    rules.pair_table     pairs -> findings, by the rule catalog; rules.checks: the check rules
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from losslint import documents
from losslint.core import atomic, notebook
from losslint.core.findings import Finding
from losslint.core.sources import Snippets, read_source
from losslint.engine import collect, context, noqa, prefilter, verdicts, workers
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
    # The files reported on when named files were checked in their project's context
    # (losslint.engine.context); None: every file linted.
    scope: set[str] | None = None


def check_paths(paths: list[str], settings: Settings | None = None, run: RunOptions | None = None) -> Result:
    """Lint files and directories. Raises discovery.PathNotFound for a missing path.
    Named files inside a project are judged with the project's other files, and only
    the findings with a site in a named file or directory are reported (losslint.engine.context)."""
    found = find_files(paths, settings)
    # losslint's temporary files that a killed run left, in the directories walked or of the files named
    atomic.remove_stale(found.temporaries + atomic.stale_beside([p for p in paths if not os.path.isdir(p)]))
    scope = None
    files, config_files = found.files, found.configs
    roots = context.roots(paths)
    if roots:
        scope = {str(p) for p in files}
        around = find_files([str(root) for root in roots], settings)
        files = sorted(set(files) | set(around.files))
        config_files = sorted(set(config_files) | set(around.configs))
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
    configs = read_configs(config_files)
    findings = context.narrow(check_sources(sources, settings, run, configs) + problems, scope)
    result = Result(findings=findings, files=[str(p) for p in files], notebooks=notebooks)
    result.warnings = found.warnings + warnings
    result.sources = sources
    result.scope = scope
    result.findings.sort(key=Finding.sort_key)
    return result


def read_configs(paths: list[Path]) -> dict[str, str]:
    """The project's YAML files that select something by name (a `_target_`), by path;
    an unreadable one is skipped (it is not linted, only read)."""
    configs: dict[str, str] = {}
    for path in paths:
        try:
            text = read_source(path)
        except (OSError, UnicodeDecodeError):
            continue
        if "_target_" in text:
            configs[str(path)] = text
    return configs


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


def check_sources(sources: dict[str, str], settings: Settings | None = None, run: RunOptions | None = None,
                  configs: dict[str, str] | None = None) -> list[Finding]:
    """Lint in-memory sources as one project: {path: source}. `settings` selects rules
    (default: all); noqa comments are honoured either way. `run`: processes, cache and
    progress (collect.RunOptions; default: this process only, no cache). `configs`: the
    project's YAML files, {path: text} (read_configs), for what they select by name."""
    if not sources:  # nothing to parse: neither libcst nor the fixes are imported
        return []
    with workers.gc_paused():  # millions of long-lived objects: see workers.gc_paused
        return _check_sources(sources, settings, run, configs or {})


def _check_sources(sources: dict[str, str], settings: Settings | None, run: RunOptions | None, configs: dict[str, str]) -> list[Finding]:
    table = prefilter.ModuleTable(list(sources))  # once per check: it reads the file system
    key = collect.project_key(sources, settings, run, configs, table)  # None without a cache
    if collect.known_clean(key, run):  # unchanged since a run that found nothing
        findings = noqa.apply([], sources, settings, run.cache)
        if not findings:
            return findings
    reused = collect.known_findings(key, run)  # unchanged since the last run
    if reused is not None:
        return reused
    replayed = _replay(sources, settings, run, configs, table)  # edited only where the last run did not look
    if replayed is not None:
        findings = noqa.apply(replayed, sources, settings, run.cache)
    else:
        findings = _check_anew(sources, settings, run, key, configs, table)
    collect.remember_findings(key, findings, run)
    return findings


# --- incremental: engine/verdicts ------------------------------------------------------


def _shape(sources: dict[str, str], settings, run: RunOptions | None, configs: dict[str, str], table: prefilter.ModuleTable):
    """(module table, the Record's key) of a check with a cache, else None. The YAML
    configs are part of the shape: any edit of one runs the check anew."""
    if run is None or run.cache is None or not sources:
        return None
    return table, verdicts.shape_key(table, collect.configs_text(configs) + collect.settings_text(settings))


def _replay(sources: dict[str, str], settings, run: RunOptions | None, configs: dict[str, str], table) -> list[Finding] | None:
    shape = _shape(sources, settings, run, configs, table) if run is not None and run.reuse_results else None
    if shape is None:
        return None
    table, key = shape
    found = verdicts.load(run.cache, key)
    replayed = verdicts.replay(found, sources, table, run.cache) if found is not None else None
    if replayed is not None:
        verdicts.save(run.cache, key, found)  # now keyed on the current texts
    return replayed


def _record(collected: collect.Collected, texts: verdicts.Reading, settings, run: RunOptions, configs: dict[str, str]) -> None:
    shape = _shape(texts.sources, settings, run, configs, collected.table) if run.reuse_results else None
    if shape is not None:
        table, key = shape
        clean = {path for path, facts in collected.facts.items() if facts.syntax_error is None}
        value = verdicts.record(collected.unfiltered, texts.sources, table, collected.digests, texts.read, clean,
                                collected.asked_names, collected.scans, collected.plan)
        verdicts.save(run.cache, key, value)


def _check_anew(sources: dict[str, str], settings: Settings | None, run: RunOptions | None, key: str | None,
                configs: dict[str, str], table: prefilter.ModuleTable | None = None) -> list[Finding]:
    run = run or RunOptions()
    texts = verdicts.Reading(sources)  # which files' text the findings and fixes read
    # One pool of processes for every step, forked before this process holds any facts.
    with workers.Runner(run.jobs, expected=sum(map(len, sources.values()))) as runner:
        collected = collect.collect(sources, run, runner, configs, table)  # only the files that matter are parsed
        findings = _judge_all(collected, texts, settings, run, runner)
        findings = _with_fixes(collected, findings, texts, settings, run, runner)
    collect.remember_clean(collected, key, run)
    _record(collected, texts, settings, run, configs)
    return findings


def _judge_all(collected: collect.Collected, sources, settings, run: RunOptions, runner) -> list[Finding]:
    if collected.directives is None:  # every file's noqa comments, tokenized in the pool
        collected.directives = noqa.parse_all(sources.sources, run.cache, runner)
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
    if all(f.origin is None for f in findings):
        return findings  # nothing to fix (and libcst's matchers, a second to import, stay out)
    from losslint import fixes  # libcst: not needed by a warm run on a clean project

    rules = catalog.load()
    while True:  # each round parses at least one more file, or ends
        seeds = set() if collected.complete else fixes.project_files(findings, collected.analysis, rules)
        if seeds and collect.load(collected, collect.users(collected, seeds), run, runner):
            findings = _judge_all(collected, sources, settings, run, runner)
            continue
        view = fixes.attach(findings, collected.analysis, sources, rules, run.jobs)  # finding.fix, for what remains
        if not seeds:
            return findings
        wanted = collected.analysis.project.missing | collect.calling(collected, view.names_asked)
        if not collect.load(collected, wanted, run, runner):
            return findings
        findings = _judge_all(collected, sources, settings, run, runner)


def _judge(collected: collect.Collected, sources: verdicts.Reading, settings: Settings | None) -> list[Finding]:
    from losslint.rules import checks, pair_table

    facts, result = collected.facts_list(), collected.analysis
    findings = [_syntax_error(f.path, f.syntax_error) for f in facts if f.syntax_error is not None]
    snippets = Snippets(sources)
    findings += pair_table.judge(result.pairs, result.logs, catalog.load(), snippets)
    findings = checks.judge(result, catalog.load(), snippets, findings)  # LL3xx-LL6xx
    collected.found_nothing = not findings  # before noqa: a clean project (see collect.known_clean)
    collected.unfiltered = findings
    return noqa.apply(findings, sources.sources, settings, parsed=collected.directives)  # selection, suppression, LL901; sorted


def _syntax_error(path: str, error) -> Finding:
    return Finding.problem("invalid-syntax", error.message, path, error.row, error.column)


def _file_error(path: str, exc: Exception) -> Finding:
    reason = "not valid UTF-8" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
    return Finding.problem("io-error", f"Failed to read file: {reason}", path)
