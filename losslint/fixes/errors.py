"""Why a finding gets no fix: no fix exists for its shape (Unfixable), or the fix built
would leave a file that does not compile (InvalidFix)."""


class Unfixable(Exception):
    """This finding gets no fix (the reason is for tests and debugging)."""


class InvalidFix(Exception):
    """The fix would leave a file that does not compile: it is not offered."""
