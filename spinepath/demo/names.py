"""Common UK names for synthetic patients (``wording.toml``): invented people, any match to a
real one is chance."""

from spinepath.demo.wording import WORDING

FEMALE_GIVEN, MALE_GIVEN, FAMILY = (
    WORDING["names"][k] for k in ("female_given", "male_given", "family")
)
