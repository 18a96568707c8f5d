"""Outcomes analytics: the denormalised outcome facts, the registry's SQL aggregates, and the
pseudonymised research extract.

Sits above ``followup``/``aftercare`` and below ``api``/``views``: it reads every pathway app and
subscribes to their hooks (procedure recorded, entered in error, amended; time point answered)
in its ``AppConfig.ready`` so nothing below imports it. Statistics (Wilson, suppression,
Kaplan–Meier) live in the clinical core, ``clinical/outcome_stats.py``.
"""
