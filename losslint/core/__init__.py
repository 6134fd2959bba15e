"""The lowest layer: findings, sources, notebooks and atomic writes, used by every other package."""
