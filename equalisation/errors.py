"""Errors and warnings of the finance library.

Every error derives from :class:`EqualisationError` and also from the matching builtin.
Messages say what was given, what was expected, and how to fix it.
"""


class EqualisationError(Exception):
    """Root of every error raised by :mod:`equalisation`."""


class InputError(EqualisationError, ValueError):
    """An input value is out of range, missing or inconsistent."""


class InputTypeError(InputError, TypeError):
    """An input is not of the expected type (a string, a bool or ``None`` where a number is
    expected, a number where a yes/no answer is expected)."""


class OutOfRangeError(InputError):
    """A number is not finite, or lies outside the range it must lie in (negative, absurdly
    large)."""


class KeyShareError(EqualisationError, ValueError):
    """A sharing key names an unknown partner, has a negative share, or does not sum to 1."""


class UnknownCoefficientError(InputError):
    """No property-tax coefficient is published for the tax year and none was given."""


class GameError(EqualisationError, ValueError):
    """A cooperative game is malformed (unknown players, missing coalitions, bad values)."""


class SolverError(EqualisationError, RuntimeError):
    """A linear program did not reach an optimum."""


class EqualisationWarning(UserWarning):
    """Root of the warnings issued by :mod:`equalisation`."""
