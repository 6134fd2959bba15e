"""The documentation that findings link to stays in sync with the rule catalog."""

from pathlib import Path

from losslint.cli.rule import catalog_markdown
from losslint.rules import catalog

ROOT = Path(__file__).resolve().parent.parent


def test_rules_page_is_generated_from_the_catalog():
    page = (ROOT / "docs" / "rules.md").read_text()
    assert page == catalog_markdown(catalog.load()), "run: losslint rule --catalog-markdown > docs/rules.md"


def test_every_rule_url_points_at_a_heading_of_the_rules_page():
    page = (ROOT / "docs" / "rules.md").read_text()
    anchors = {
        line[3:].strip().lower().replace(" ", "-") for line in page.splitlines() if line.startswith("## ")
    }
    for rule in catalog.load().rules:
        assert rule.url.endswith("docs/rules.md#" + f"{rule.code.lower()}-{rule.name}")
        assert f"{rule.code.lower()}-{rule.name}" in anchors


def test_readme_quick_start_and_rule_table_mention_every_rule():
    readme = (ROOT / "README.md").read_text()
    assert "losslint examples/" in readme
    for rule in catalog.load().rules:
        assert rule.code in readme, f"{rule.code} missing from the README's rule list"
