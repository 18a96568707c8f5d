"""Deterministic synthetic demo data. Every patient here is invented; NHS numbers use the 999
range, which the NHS never issues to real people."""
