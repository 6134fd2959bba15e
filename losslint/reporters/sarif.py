"""`--output-format sarif`: SARIF 2.1.0 for GitHub code scanning (and other viewers).

One run; `tool.driver.rules` is the whole catalog (plus `invalid-syntax` and
`io-error`), each with its documentation as help. Each result points at the finding's
site with a URI relative to `%SRCROOT%` (the workspace: $GITHUB_WORKSPACE, else the
current directory), puts the partner sites in `relatedLocations` (linked from the
message), and carries a `partialFingerprints` entry that survives lines moving
(the code, the file and the text of both sites, not their line numbers).
Columns count Unicode code points (`columnKind`), like every losslint position.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from losslint.core.findings import Finding, Site
from losslint.core.version import __version__
from losslint.reporters.context import Context
from losslint.reporters.github import workspace, workspace_path
from losslint.rules import catalog
from losslint.rules.docs import markdown  # the same text as `losslint rule CODE`

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/losslint/losslint"
FINGERPRINT = "losslint/v1"
ROOT_ID = "%SRCROOT%"

# Findings that are not rules of the catalog (ruff reports them without a code too).
PSEUDO_RULES = {
    "invalid-syntax": "The file could not be parsed as Python: nothing in it was checked.",
    "io-error": "The file or directory could not be read: nothing in it was checked.",
}


def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def rules() -> list[dict[str, Any]]:
    entries = []
    for rule in catalog.load().rules:
        entries.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": " ".join(rule.docs["what_it_does"].split())},
                "help": {"text": markdown(rule), "markdown": markdown(rule)},
                "helpUri": rule.url,
                "defaultConfiguration": {"level": _level(rule.severity)},
                "properties": {"tags": [rule.family, rule.verdict], "precision": "high"},
            }
        )
    for name, description in PSEUDO_RULES.items():
        entries.append(
            {
                "id": name,
                "name": name,
                "shortDescription": {"text": description},
                "fullDescription": {"text": description},
                "help": {"text": description},
                "defaultConfiguration": {"level": "error"},
            }
        )
    return entries


def _escape(text: str) -> str:
    """SARIF message text: `[` `]` and `\\` are escaped where links may appear."""
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _location(site: Site, root: Path) -> dict[str, Any]:
    relative = workspace_path(site.path, root)
    artifact: dict[str, Any]
    if Path(relative).is_absolute():
        artifact = {"uri": Path(relative).as_uri()}
    else:
        artifact = {"uri": _uri_path(relative), "uriBaseId": ROOT_ID}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if site.cell is None:  # a notebook's rows are not lines of the .ipynb file
        physical["region"] = {
            "startLine": site.start.row,
            "startColumn": site.start.column,
            "endLine": max(site.end.row, site.start.row),
            "endColumn": site.end.column if site.end.row > site.start.row else max(site.end.column, site.start.column),
        }
    return {"physicalLocation": physical}


def _uri_path(relative: str) -> str:
    from urllib.parse import quote

    return quote(relative, safe="/")


def _line_text(site: Site, context: Context) -> str:
    lines = context.lines(site)
    if lines and 0 < site.start.row <= len(lines):
        return lines[site.start.row - 1].strip()
    return ""


def _fingerprint_base(finding: Finding, root: Path, context: Context) -> str:
    parts = [finding.code or finding.name]
    for site in [finding.site, *(r.site for r in finding.related)]:
        parts += [workspace_path(site.path, root), str(site.cell or ""), _line_text(site, context)]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


def _result(finding: Finding, root: Path, index: dict[str, int], fingerprint: str) -> dict[str, Any]:
    rule_id = finding.code or finding.name
    text = _escape(finding.message)
    where = f" (cell {finding.site.cell}, line {finding.site.start.row})" if finding.site.cell is not None else ""
    links = [f"[{_escape(r.message)}]({i})" for i, r in enumerate(finding.related, start=1)]
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "level": _level(finding.severity),
        "message": {"text": _sentence(text + where) + (" See " + ", ".join(links) + "." if links else "")},
        "locations": [_location(finding.site, root)],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }
    if rule_id in index:
        result["ruleIndex"] = index[rule_id]
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, **_location(r.site, root), "message": {"text": r.message or "related"}}
            for i, r in enumerate(finding.related, start=1)
        ]
    properties = {k: v for k, v in (("verdict", finding.verdict), ("activation", finding.activation), ("loss", finding.loss)) if v}
    if finding.evidence is not None:  # `--trace`: the tracer's numbers, as in the JSON record
        properties["evidence"] = finding.evidence
    if properties:
        result["properties"] = properties
    if finding.fix is not None and finding.fix.edits and all(e.site.cell is None for e in finding.fix.edits):
        result["fixes"] = [_fix(finding, root)]
    return result


def _fix(finding: Finding, root: Path) -> dict[str, Any]:
    changes: dict[str, dict[str, Any]] = {}
    for edit in finding.fix.edits:
        location = _location(edit.site, root)["physicalLocation"]
        change = changes.setdefault(edit.site.path, {"artifactLocation": location["artifactLocation"], "replacements": []})
        replacement: dict[str, Any] = {"deletedRegion": location["region"]}
        if edit.content:
            replacement["insertedContent"] = {"text": edit.content}
        change["replacements"].append(replacement)
    return {"description": {"text": finding.fix.message or "Apply the fix"}, "artifactChanges": list(changes.values())}


def document(findings: list[Finding], context: Context | None = None) -> dict[str, Any]:
    context = context or Context()
    root = workspace()
    driver_rules = rules()
    index = {rule["id"]: i for i, rule in enumerate(driver_rules)}
    seen: Counter[str] = Counter()
    results = []
    for finding in findings:
        base = _fingerprint_base(finding, root, context)
        seen[base] += 1  # the same mistake twice in one file stays two results
        results.append(_result(finding, root, index, f"{base}:{seen[base]}"))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "losslint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": driver_rules,
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(findings: list[Finding], context: Context | None = None) -> str:
    return json.dumps(document(findings, context), indent=2) + "\n"
