"""Autofixes: each finding's Fix (text edits, safe or unsafe), and applying them.

    build.py      which fix a finding gets (from its rule's fix_to pair)
    loss.py       switch the loss (NLLLoss -> CrossEntropyLoss, ...)
    remove.py     take the activation out of the model's training path
    spelling.py   softmax -> log_softmax, torch.log(softmax) -> log_softmax
    consumers.py  who else reads the model's output (decides safety, named in messages)
    calls.py      operations on one call: rename its callee, replace it by its input
    view.py       what the fixes ask the analyzer (ProjectView)
    plan.py       a fix under construction: changes in several files -> text edits
    errors.py     Unfixable (no fix for this shape) and InvalidFix (it would not compile)
    changes.py    node changes to one file, rendered by one libcst transform
    imports.py    the names a fix writes and the imports they need
    source.py     parsing, positions, text edits
    chunked.py    a very large file a top-level statement at a time (SourceFile's answers)
    forked.py     thousands of fixes built by several processes
    apply.py      apply fixes to sources in rounds until stable
    files.py      atomic writes that keep mode, line endings and BOM
"""

from __future__ import annotations

import os

from losslint.core.findings import Finding
from losslint.fixes import build, forked
from losslint.fixes.chain import StackedUnfixable
from losslint.fixes.chunked import NeedsWholeFile
from losslint.fixes.errors import InvalidFix, Unfixable
from losslint.fixes.view import ProjectView
from losslint.rules.catalog import Catalog

# Tests set this so that a bug in a fix fails loudly instead of leaving the finding unfixed.
STRICT_ENV = "LOSSLINT_STRICT_FIXES"


def attach(findings: list[Finding], analysis, sources: dict[str, str], catalog: Catalog, jobs: int = 1) -> ProjectView:
    """Set `finding.fix` on each finding that has one. -> the view the fixes asked (its
    `names_asked`: the callee names they looked up). `jobs`: processes that may build
    them (forked.py; only for thousands of fixes)."""
    view = ProjectView(analysis, sources)
    todo: dict[tuple, tuple] = {}  # one build per identity, in the findings' order
    for finding in findings:
        if finding.code is None or finding.origin is None:
            continue
        rule = catalog.by_code_or_name(finding.code)
        if rule is not None:
            todo.setdefault((finding.code, *_identity(finding.origin)), (rule, finding.origin))
    built = forked.build_all(todo, view, _outcome, jobs)
    for finding in findings:
        if finding.code is None or finding.origin is None or catalog.by_code_or_name(finding.code) is None:
            continue
        result = built[(finding.code, *_identity(finding.origin))]
        if isinstance(result, str):
            finding.message += result
        elif result is not None:
            finding.fix = result
    return view


def _outcome(rule, origin, view: ProjectView):
    """The Fix; a note for the message (no fix, and why the user should know); or None."""
    result = _build(rule, origin, view)
    view.release()
    if isinstance(result, InvalidFix):
        return " (no fix: it would produce code that does not compile)"
    if isinstance(result, StackedUnfixable):
        return f" ({result})"
    return result


def project_files(findings: list[Finding], analysis, catalog: Catalog) -> set[str]:
    """The files whose every user the fixes of `findings` must see (build.project_files):
    where the model's activation and the criteria it reaches are made. Empty when no fix
    needs more than the files it edits (the stable spellings of LL105/LL206)."""
    files: set[str] = set()
    for finding in findings:
        if finding.code is None or finding.origin is None:
            continue
        rule = catalog.by_code_or_name(finding.code)
        if rule is not None:
            files |= build.project_files(rule, finding.origin, analysis.pairs)
    return files


def _identity(origin) -> tuple:
    tensor = getattr(origin, "tensor", origin)
    use = getattr(origin, "use", None)
    return (tensor.site, tensor.applied, use.ctor_site if use else None, use.call_site if use else None)


def _build(rule, origin, view: ProjectView):
    try:
        return _build_chunked(rule, origin, view)
    except StackedUnfixable as exc:  # said in the message: a partial fix would look like a fix
        return exc
    except Unfixable:
        return None
    except InvalidFix as exc:
        return exc
    except Exception:  # noqa: BLE001 - a fix bug must never break the check itself
        if os.environ.get(STRICT_ENV):
            raise
        return None


def _build_chunked(rule, origin, view: ProjectView):
    """build.build; again with the whole tree of a very large file when its chunks alone
    cannot answer what the fix asks (chunked.NeedsWholeFile): the same fix either way."""
    while True:
        try:
            return build.build(rule, origin, view)
        except NeedsWholeFile as exc:
            view.whole(exc.path)
