"""The rules: the catalog (rules/*.toml), the pair table, and one module per family of checks."""
