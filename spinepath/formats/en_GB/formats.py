"""One way to write a date everywhere: "4 Dec 2026", and "4 Dec 2026, 14:30" with a time.

Django reads display formats from the locale (en-GB), so these override its defaults; input
formats are Django's own. ``spinepath.lib.dates`` gives the same words to Python code.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H:i"
