"""`losslint rule CODE|NAME` / `losslint rule --all`: print rule documentation."""

from __future__ import annotations

import json
import sys

from losslint import catalog
from losslint.catalog import Rule


def add_parser(sub) -> None:
    parser = sub.add_parser("rule", help="show a rule's documentation")
    parser.add_argument("rule", nargs="?", help="rule code (LL103) or name (softmax-before-cross-entropy)")
    parser.add_argument("--all", action="store_true", help="show every rule")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")


def run(args) -> int:
    from losslint.cli import UsageError

    rules_catalog = catalog.load()
    if args.all:
        rules = list(rules_catalog.rules)
    elif args.rule:
        found = rules_catalog.by_code_or_name(args.rule)
        if found is None:
            raise UsageError(f"unknown rule: {args.rule}")
        rules = [found]
    else:
        raise UsageError("name a rule (`losslint rule LL103`) or use --all")
    if args.output_format == "json":
        data = [rule_json(r) for r in rules]
        sys.stdout.write(json.dumps(data if args.all else data[0], indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(markdown(r) for r in rules))
    return 0


def rule_json(rule: Rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "verdict": rule.verdict,
        "summary": rule.summary,
        "pairs": [{"activation": p.activation, "loss": p.loss} for p in rule.pairs],
        "explanation": markdown(rule),
        "url": rule.url,
    }


def markdown(rule: Rule) -> str:
    """Ruff's sections: What it does / Why is this bad? / Example / Use instead / Fix safety / References."""
    docs, examples = rule.docs, rule.examples
    pairs = ", ".join(f"{p.activation} + {p.loss}" for p in rule.pairs)
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Verdict: **{rule.verdict}**" + (f" ({pairs})" if pairs else ""),
        "",
        "## What it does",
        docs["what_it_does"].strip(),
        "",
        "## Why is this bad?",
        docs["why_bad"].strip(),
        "",
        "## Example",
        "```python",
        examples["example"].strip(),
        "```",
        "",
        "## Use instead",
        "```python",
        examples["use_instead"].strip(),
        "```",
        "",
        "## Fix safety",
        docs.get("fix_safety", "No fix is available.").strip(),
        "",
        "## References",
        *(f"- {ref}" for ref in docs.get("references", [])),
        "",
    ]
    return "\n".join(parts)
