"""`losslint server`: real LSP sessions over stdio with pygls's LanguageClient."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pygls")  # the `server` extra; part of the `test` extra

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

MODELS = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.out = nn.Softmax(dim=1)

    def forward(self, x):
        return self.out(self.fc(x))
"""

TRAIN = """\
import torch

from models import Net

net = Net()
criterion = torch.nn.CrossEntropyLoss()


def step(x, y):
    return criterion(net(x), y)
"""


class Session:
    """An LSP client talking to `python <args>` over stdio."""

    def __init__(self, root: Path):
        self.root = root
        self.client = LanguageClient("losslint-tests", "1")
        self.published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
        self.pending: dict[str, list[types.PublishDiagnosticsParams]] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _publish(params: types.PublishDiagnosticsParams) -> None:
            self.published.put_nowait(params)

    async def start(self, *args: str) -> types.InitializeResult:
        await self.client.start_io(sys.executable, *args)
        uri = self.root.as_uri()
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(),
                    root_uri=uri,
                    workspace_folders=[types.WorkspaceFolder(uri=uri, name="project")],
                )
            ),
            60,
        )
        self.client.initialized(types.InitializedParams())
        return result

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str | None = None, version: int = 1) -> None:
        text = (self.root / name).read_text() if text is None else text
        item = types.TextDocumentItem(uri=self.uri(name), language_id="python", version=version, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    def change(self, name: str, text: str, version: int) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri(name), version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def diagnostics_for(self, name: str) -> types.PublishDiagnosticsParams:
        """The next diagnostics published for `name` (others wait for their turn)."""
        uri = self.uri(name)
        if self.pending.get(uri):
            return self.pending[uri].pop(0)
        while True:
            params = await asyncio.wait_for(self.published.get(), 60)
            if params.uri == uri:
                return params
            self.pending.setdefault(params.uri, []).append(params)

    async def code_actions(self, name: str, range_: types.Range, diagnostics, only=None) -> list[types.CodeAction]:
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri(name)),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
        return list(await asyncio.wait_for(self.client.text_document_code_action_async(params), 60) or [])

    async def stop(self) -> None:
        await asyncio.wait_for(self.client.shutdown_async(None), 30)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), 30)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (all against the original text), as an editor does."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def test_diagnostics_on_open_change_and_save(tmp_path):
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "train.py").write_text(TRAIN)

    async def scenario() -> None:
        session = Session(tmp_path)
        result = await session.start("-m", "losslint", "server")
        assert result.server_info.name == "losslint"
        try:
            # The activation is in models.py, the loss in train.py (not open: read from disk).
            session.open("models.py")
            published = await session.diagnostics_for("models.py")
            [diagnostic] = published.diagnostics
            assert diagnostic.code == "LL103" and diagnostic.source == "losslint"
            assert diagnostic.severity == types.DiagnosticSeverity.Error
            assert diagnostic.range == types.Range(start=types.Position(7, 19), end=types.Position(7, 36))
            assert diagnostic.code_description.href.endswith("#ll103-softmax-before-cross-entropy")
            related = {r.message: r.location for r in diagnostic.related_information}
            loss_call = related["CrossEntropyLoss computed here"]
            assert loss_call.uri == session.uri("train.py")
            assert loss_call.range.start == types.Position(9, 11)

            # An unsaved edit: LogSoftmax instead of Softmax is only acceptable (a warning),
            # reported on the loss in train.py, which is published although not open.
            edited = MODELS.replace("nn.Softmax(dim=1)", "nn.LogSoftmax(dim=1)")
            session.change("models.py", edited, version=2)
            published = await session.diagnostics_for("models.py")
            assert (published.version, published.diagnostics) == (2, ())
            published = await session.diagnostics_for("train.py")
            assert [(d.code, d.severity) for d in published.diagnostics] == [("LL104", types.DiagnosticSeverity.Warning)]
            assert published.diagnostics[0].related_information[0].location.uri == session.uri("models.py")

            # Without the activation the diagnostics clear.
            fixed = MODELS.replace("        self.out = nn.Softmax(dim=1)\n", "").replace("self.out(self.fc(x))", "self.fc(x)")
            session.change("models.py", fixed, version=3)
            assert (await session.diagnostics_for("models.py")).diagnostics == ()
            assert (await session.diagnostics_for("train.py")).diagnostics == ()  # cleared

            # Saved to disk with the mistake back: diagnostics on save.
            (tmp_path / "models.py").write_text(MODELS)
            session.change("models.py", MODELS, version=4)
            await session.diagnostics_for("models.py")
            session.client.text_document_did_save(
                types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=session.uri("models.py")))
            )
            assert [d.code for d in (await session.diagnostics_for("models.py")).diagnostics] == ["LL103"]

            # The other site's file, once open, sees the model's unsaved text.
            session.change("models.py", fixed, version=5)
            await session.diagnostics_for("models.py")
            session.open("train.py")
            assert (await session.diagnostics_for("train.py")).diagnostics == ()
        finally:
            await session.stop()

    asyncio.run(scenario())


# The server with fixes attached to the findings, the way Finding.fix carries them:
# a safe one for LL105 and an unsafe one for LL103, so the actions can be checked.
WITH_FIXES = textwrap.dedent(
    """\
    from losslint.engine import linter
    from losslint.core.findings import Edit, Fix, Position, Site

    check_sources = linter.check_sources


    def with_fixes(sources, settings=None):
        findings = check_sources(sources, settings)
        for f in findings:
            if f.code == "LL105":
                f.fix = Fix("safe", "Use `F.log_softmax`", (Edit("F.log_softmax(scores, dim=1)", f.site),))
            if f.code == "LL103":
                line = Site(f.site.path, Position(f.site.start.row, 1), Position(f.site.start.row + 1, 1))
                f.fix = Fix("unsafe", "Remove `nn.Softmax`", (Edit("", line),))
        return findings


    linter.check_sources = with_fixes
    from losslint.integrations.lsp import serve

    serve()
    """
)

LOSSES = """\
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Sequential(nn.Linear(4, 2),
    nn.Softmax(dim=1))


def nll(scores, labels):
    return F.nll_loss(torch.log(F.softmax(scores, dim=1)), labels)


def ce(x, labels):
    return nn.CrossEntropyLoss()(head(x), labels)
"""


def test_code_actions_quick_fix_and_fix_all(tmp_path):
    (tmp_path / "serve_with_fixes.py").write_text(WITH_FIXES)
    (tmp_path / "losses.py").write_text(LOSSES)

    async def scenario() -> None:
        session = Session(tmp_path)
        await session.start(str(tmp_path / "serve_with_fixes.py"))
        try:
            session.open("losses.py")
            diagnostics = (await session.diagnostics_for("losses.py")).diagnostics
            by_code = {d.code: d for d in diagnostics}
            assert sorted(by_code) == ["LL103", "LL105"]

            # A quick fix for the finding under the cursor.
            log_softmax = by_code["LL105"]
            actions = await session.code_actions("losses.py", log_softmax.range, [log_softmax])
            assert [a.kind for a in actions] == [types.CodeActionKind.QuickFix, "source.fixAll.losslint"]
            action = actions[0]
            assert action.kind == types.CodeActionKind.QuickFix and action.is_preferred
            assert action.title == "LL105: Use `F.log_softmax`"
            assert action.diagnostics[0].code == "LL105"
            edits = action.edit.changes[session.uri("losses.py")]
            assert "F.nll_loss(F.log_softmax(scores, dim=1), labels)" in apply_edits(LOSSES, edits)

            # The unsafe fix is offered too, marked as such and not preferred.
            softmax = by_code["LL103"]
            [unsafe] = await session.code_actions("losses.py", softmax.range, [softmax], only=[types.CodeActionKind.QuickFix])
            assert unsafe.title.endswith("(unsafe fix)") and not unsafe.is_preferred
            assert "nn.Softmax" not in apply_edits(LOSSES, unsafe.edit.changes[session.uri("losses.py")])

            # "Fix all" applies the safe fixes only.
            whole = types.Range(start=types.Position(0, 0), end=types.Position(14, 0))
            [fix_all] = await session.code_actions("losses.py", whole, [], only=[types.CodeActionKind.SourceFixAll])
            assert fix_all.kind == "source.fixAll.losslint"
            after = apply_edits(LOSSES, fix_all.edit.changes[session.uri("losses.py")])
            assert "F.log_softmax(scores, dim=1)" in after and "nn.Softmax(dim=1)" in after

            # Nothing under a cursor away from the findings but the file-wide action.
            elsewhere = types.Range(start=types.Position(0, 0), end=types.Position(0, 5))
            assert [a.kind for a in await session.code_actions("losses.py", elsewhere, [])] == ["source.fixAll.losslint"]
        finally:
            await session.stop()

    asyncio.run(scenario())


def test_server_without_pygls_names_the_extra():
    code = "import sys; sys.modules['pygls'] = None; from losslint.cli import main; sys.exit(main(['server']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == ["losslint: error: `losslint server` needs pygls: pip install 'losslint[server]'"]


def test_quick_fix_from_the_linters_own_fix(tmp_path):
    # No patching: the fix comes from losslint's fixes (Finding.fix), as in an editor.
    source = "import torch\nimport torch.nn.functional as F\n\n\ndef nll(scores, labels):\n    return F.nll_loss(torch.log(F.softmax(scores, dim=1)), labels)\n"
    (tmp_path / "losses.py").write_text(source)

    async def scenario() -> None:
        session = Session(tmp_path)
        await session.start("-m", "losslint", "server")
        try:
            session.open("losses.py")
            [diagnostic] = (await session.diagnostics_for("losses.py")).diagnostics
            assert diagnostic.code == "LL105" and diagnostic.data["fixable"] is True
            actions = await session.code_actions("losses.py", diagnostic.range, [diagnostic], only=[types.CodeActionKind.QuickFix])
            [action] = actions
            fixed = apply_edits(source, action.edit.changes[session.uri("losses.py")])
            assert "return F.nll_loss(F.log_softmax(scores, dim=1), labels)" in fixed
            compile(fixed, "losses.py", "exec")
        finally:
            await session.stop()

    asyncio.run(scenario())


def test_project_configuration_applies(tmp_path):
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "pyproject.toml").write_text('[tool.losslint]\nignore = ["LL103"]\n')

    async def scenario() -> None:
        session = Session(tmp_path)
        messages: list[types.ShowMessageParams] = []

        @session.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _show(params: types.ShowMessageParams) -> None:
            messages.append(params)

        await session.start("-m", "losslint", "server")
        try:
            session.open("models.py")
            assert (await session.diagnostics_for("models.py")).diagnostics == ()
            # A broken configuration: the user is told, and the defaults apply.
            (tmp_path / "pyproject.toml").write_text('[tool.losslint]\nselekt = ["LL103"]\n')
            session.change("models.py", MODELS, version=2)
            assert [d.code for d in (await session.diagnostics_for("models.py")).diagnostics] == ["LL103"]
            assert len(messages) == 1 and messages[0].type == types.MessageType.Error
            assert "selekt" in messages[0].message
        finally:
            await session.stop()

    asyncio.run(scenario())
