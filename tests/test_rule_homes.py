"""A rule is one place: its TOML (rules/LLxxx-name.toml) and one module that reports it.

The pair table (losslint/rules/pair_table.py) reports every rule of kind "pair" or
"expression" from the TOML alone; each rule of kind "check" is listed in the CODES of
exactly one module of losslint/rules/checks.py; the rule of kind "meta" is engine/noqa's.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from losslint.engine import noqa
from losslint.rules import catalog, checks
from losslint.rules.catalog import rules_dir

CATALOG = catalog.load()
# The kinds of rule that a module reports from the TOML alone, by module.
DATA_ONLY = {"pair": "losslint.rules.pair_table", "expression": "losslint.rules.pair_table", "meta": "losslint.engine.noqa"}


def homes() -> dict[str, list[str]]:
    """rule code -> the modules that report it."""
    found: dict[str, list[str]] = {rule.code: [] for rule in CATALOG.rules}
    for family in checks.FAMILIES:
        for code in family.CODES:
            found.setdefault(code, []).append(family.__name__)
    for rule in CATALOG.rules:
        if rule.kind in DATA_ONLY:
            found[rule.code].append(DATA_ONLY[rule.kind])
    return found


def test_every_rule_code_has_exactly_one_check_module():
    wrong = {code: modules for code, modules in homes().items() if len(modules) != 1}
    assert wrong == {}


def test_check_modules_list_only_check_rules():
    for family in checks.FAMILIES:
        for code in family.CODES:
            rule = CATALOG.by_code_or_name(code)
            assert rule is not None and rule.kind == "check", (family.__name__, code)


def test_every_rule_code_has_exactly_one_toml():
    files = Counter(path.name.split("-", 1)[0] for path in rules_dir().glob("LL*.toml"))
    assert {rule.code for rule in CATALOG.rules} == set(files)
    assert [code for code, count in files.items() if count != 1] == []


def test_noqa_reports_the_one_meta_rule():
    [meta] = CATALOG.of_kind("meta")
    assert noqa.unused_noqa_rule() is meta


def test_the_home_check_fails_on_a_code_listed_twice(monkeypatch):
    monkeypatch.setattr(checks.FAMILIES[1], "CODES", checks.FAMILIES[1].CODES + checks.FAMILIES[0].CODES[:1])
    doubled = checks.FAMILIES[0].CODES[0]
    assert len(homes()[doubled]) == 2


def test_each_check_module_has_a_test_module_mirroring_it():
    tests = Path(__file__).parent / "analysis"
    missing = [f.__name__ for f in checks.FAMILIES if not (tests / f"test_{f.__name__.rsplit('.', 1)[1]}.py").is_file()]
    assert missing == []
