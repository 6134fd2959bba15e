"""The check pipeline: which files, their facts, the analysis rounds, judging, fixing, noqa."""
