"""Dump every table of a seeded SQLite database in primary-key order, less wall-clock columns,
so two builds can be compared row for row: ``python bench/seed_dump.py db.sqlite3 > out.txt``."""

from __future__ import annotations

import sqlite3
import sys

SKIP = {"updated_at", "password", "date_joined", "last_login", "token_hash", "key_hash"}


def main(path: str) -> None:
    db = sqlite3.connect(path)
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'django_%' ORDER BY name"
        )
    ]
    for table in tables:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        keep = [c for c in columns if c not in SKIP]
        print(f"== {table} ({', '.join(keep)})")
        select = ", ".join(f'"{c}"' for c in keep)
        for row in db.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid'):
            print(row)


if __name__ == "__main__":
    main(sys.argv[1])
