"""Charts drawn on the server as SVG by matplotlib, the same in the browser and in the PDF.

``svg`` holds the shared look and the SVG clean-up; ``outcomes`` the dashboard's charts;
``ledger`` the steroid ledger's rolling total. Each function takes plain numbers (no ORM, no
statistics) and returns a ``Chart`` (the inline SVG, its title and a one-sentence summary).
"""

from spinepath.lib.charts.svg import Chart

__all__ = ["Chart"]
