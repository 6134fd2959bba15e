"""A rule's documentation as Markdown, in ruff's sections: what `losslint rule CODE`
prints, what docs/rules.md is made of, and the help text of SARIF's rules."""

from __future__ import annotations

from losslint.rules.catalog import Rule


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
