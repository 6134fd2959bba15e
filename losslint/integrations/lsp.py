"""`losslint server`: the Language Server Protocol over stdio, for editors (pygls).

- Diagnostics on open, change and save: each finding on its primary site, with its
  code, a link to the rule (codeDescription), the partner site as relatedInformation,
  severity error (wrong) or warning (acceptable).
- Code actions: a quick fix per finding that has a fix (unsafe ones say so), and
  "Fix all safe fixes" (kind `source.fixAll.losslint`), the safe fixes of the file.

An open file is linted as part of its project (the workspace folder holding it, or
its directory), with the editor's unsaved text for every open document, because the
activation and the loss are often in two files, and with the configuration the command
line would use (`[tool.losslint]` in the nearest pyproject.toml). Needs the `server`
extra (pygls).
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from losslint.core.findings import Edit, Finding, Fix, Site
from losslint.core.sources import read_source
from losslint.core.version import __version__
from losslint.engine import config, linter
from losslint.engine.discovery import discover

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.losslint"
PYTHON_SUFFIXES = (".py", ".pyi")
# Above this many files the project is too big to relint on every keystroke: the
# document is linted with the other open documents only.
MAX_PROJECT_FILES = 2000


class LosslintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("losslint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.findings: dict[str, list[Finding]] = {}  # document uri -> its findings
        self.lines: dict[str, list[str]] = {}  # path -> the lines that were linted

    # -- linting -------------------------------------------------------------------

    def lint(self, uri: str) -> None:
        """Lint the project of `uri`; publish diagnostics for every file with findings
        (open or not: the partner of an edited file often is not) and clear the rest."""
        path = to_fs_path(uri)
        if path is None or not path.endswith(PYTHON_SUFFIXES):
            return
        settings = self.settings(path)
        if settings is not None and settings.is_excluded(Path(path)):
            sources, findings = {path: ""}, []  # excluded by [tool.losslint]: nothing to say
        else:
            sources = self.project_sources(path, settings)
            findings = linter.check_sources(sources, settings)
        self.lines.update({p: text.splitlines() for p, text in sources.items()})
        by_uri: dict[str, list[Finding]] = {}
        for finding in findings:
            by_uri.setdefault(from_fs_path(finding.site.path) or finding.site.path, []).append(finding)
        linted = {from_fs_path(p) or p for p in sources}
        stale = {u for u in self.findings if u in linted and u not in by_uri}
        for target in sorted(by_uri.keys() | stale):
            self.findings[target] = by_uri.get(target, [])
            document = self.workspace.text_documents.get(target)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=target,
                    version=document.version if document is not None else None,
                    diagnostics=[self.diagnostic(f) for f in self.findings[target]],
                )
            )
        if uri not in by_uri and uri not in stale:  # a clean file: say so once
            self.findings[uri] = []
            document = self.workspace.text_documents.get(uri)
            version = document.version if document is not None else None
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[]))

    def settings(self, path: str) -> config.Settings | None:
        """The configuration the command line would use for this file (nearest
        pyproject.toml); a broken one is shown to the user and the defaults are used."""
        try:
            return config.load(Path(path).parent)
        except config.ConfigError as exc:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"losslint: {exc}"))
            return None

    def project_sources(self, path: str, settings: config.Settings | None = None) -> dict[str, str]:
        """{path: text} of the document's project; open documents' text wins over disk."""
        open_docs: dict[str, str] = {}
        for document in self.workspace.text_documents.values():
            doc_path = to_fs_path(document.uri)
            if doc_path is not None and doc_path.endswith(PYTHON_SUFFIXES):
                open_docs[doc_path] = document.source
        sources: dict[str, str] = {}
        root = self.project_root(path)
        files: list[Path] = []
        if root is not None:
            try:
                files = discover([str(root)], settings)
            except Exception:  # noqa: BLE001 - a vanished folder: lint what is open
                files = []
        if len(files) <= MAX_PROJECT_FILES:
            for file in files:
                if str(file).endswith(PYTHON_SUFFIXES) and str(file) not in open_docs:
                    try:
                        sources[str(file)] = read_source(file)
                    except (OSError, UnicodeDecodeError):
                        continue
        sources.update(open_docs)
        return sources

    def project_root(self, path: str) -> Path | None:
        file = Path(path)
        roots = [Path(p) for f in self.workspace.folders.values() if (p := to_fs_path(f.uri))]
        inside = [r for r in roots if file.is_relative_to(r)]
        if inside:
            return max(inside, key=lambda r: len(r.parts))
        return file.parent if file.parent.is_dir() else None

    # -- conversions ---------------------------------------------------------------

    def lsp_range(self, site: Site) -> types.Range:
        lines = self.lines.get(site.path, [])
        codec = self.workspace.position_codec
        start = codec.position_to_client_units(lines, types.Position(site.start.row - 1, site.start.column - 1))
        end = codec.position_to_client_units(lines, types.Position(site.end.row - 1, site.end.column - 1))
        return types.Range(start=start, end=end)

    def diagnostic(self, finding: Finding) -> types.Diagnostic:
        severity = types.DiagnosticSeverity.Warning if finding.severity == "warning" else types.DiagnosticSeverity.Error
        return types.Diagnostic(
            range=self.lsp_range(finding.site),
            message=finding.message,
            severity=severity,
            code=finding.code or finding.name,
            code_description=types.CodeDescription(href=finding.url) if finding.url else None,
            source="losslint",
            related_information=[
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=from_fs_path(r.site.path) or r.site.path, range=self.lsp_range(r.site)),
                    message=r.message,
                )
                for r in finding.related
            ]
            or None,
            data={"name": finding.name, "fixable": finding.fix is not None},
        )

    def workspace_edit(self, edits: list[Edit]) -> types.WorkspaceEdit:
        changes: dict[str, list[types.TextEdit]] = {}
        for edit in edits:
            uri = from_fs_path(edit.site.path) or edit.site.path
            changes.setdefault(uri, []).append(types.TextEdit(range=self.lsp_range(edit.site), new_text=edit.content))
        return types.WorkspaceEdit(changes=changes)

    # -- code actions --------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        findings = self.findings.get(uri, [])
        actions: list[types.CodeAction] = []
        for finding in findings:
            if finding.fix is None or not _overlaps(self.lsp_range(finding.site), params.range):
                continue
            unsafe = finding.fix.applicability != "safe"
            actions.append(
                types.CodeAction(
                    title=f"{finding.code}: {finding.fix.message}" + (" (unsafe fix)" if unsafe else ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[self.diagnostic(finding)],
                    edit=self.workspace_edit(list(finding.fix.edits)),
                    is_preferred=not unsafe,
                )
            )
        safe_edits = fix_all_edits([f.fix for f in findings if f.fix is not None and f.fix.applicability == "safe"])
        if safe_edits:
            actions.append(
                types.CodeAction(
                    title="losslint: fix all safe fixes",
                    kind=FIX_ALL_KIND,
                    edit=self.workspace_edit(safe_edits),
                )
            )
        only = params.context.only
        if only:
            actions = [a for a in actions if any(a.kind == k or (a.kind or "").startswith(f"{k}.") for k in only)]
        return actions


def fix_all_edits(fixes: list[Fix]) -> list[Edit]:
    """The edits of `fixes`, skipping any fix that overlaps one already taken (in order):
    LSP applies all edits of one WorkspaceEdit against the same original text."""
    taken: list[Edit] = []
    for fix in fixes:
        if any(_edits_overlap(new, old) for new in fix.edits for old in taken):
            continue
        taken.extend(fix.edits)
    return taken


def _edits_overlap(a: Edit, b: Edit) -> bool:
    if a.site.path != b.site.path:
        return False
    return a.site.start < b.site.end and b.site.start < a.site.end or a.site.start == b.site.start


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def build() -> LosslintServer:
    server = LosslintServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LosslintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LosslintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LosslintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LosslintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.findings.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    def code_action(ls: LosslintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    build().start_io()
