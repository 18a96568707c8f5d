"""Questionnaires (PROMs): definitions as data, pure scoring, licensed wording, responders.

``definitions`` holds what may ship, ``scoring`` turns answers into a ``Score``, ``wording``
merges a clinic's licensed text, ``improvement`` says what counts as a response, and ``checks``
validates the lot for the system check.
"""

from spinepath.clinical.instruments.checks import validate_instruments
from spinepath.clinical.instruments.definitions import (
    INSTRUMENTS,
    Instrument,
    Item,
    Licence,
    Option,
    Wording,
)
from spinepath.clinical.instruments.improvement import (
    is_meaningful_nrs,
    is_meaningful_odi,
    is_meaningful_pgic,
    is_meaningful_rmdq,
    is_positive_mbb,
    is_substantial_mbb,
    is_substantial_nrs,
    is_substantial_pgic,
    primary_pain_measure,
)
from spinepath.clinical.instruments.scoring import NotScorable, Score, UnknownInstrument, score
from spinepath.clinical.instruments.wording import (
    WordingError,
    apply_wording,
    check_wording,
    load_wording_file,
)

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "Item",
    "Licence",
    "NotScorable",
    "Option",
    "Score",
    "UnknownInstrument",
    "Wording",
    "WordingError",
    "apply_wording",
    "check_wording",
    "is_meaningful_nrs",
    "is_meaningful_odi",
    "is_meaningful_pgic",
    "is_meaningful_rmdq",
    "is_positive_mbb",
    "is_substantial_mbb",
    "is_substantial_nrs",
    "is_substantial_pgic",
    "load_wording_file",
    "primary_pain_measure",
    "score",
    "validate_instruments",
]
