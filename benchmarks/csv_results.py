"""Writing a benchmark's results: one CSV file, replaced only once complete (a run stopped half-way
leaves the previous results as they were)."""

import csv
import os
import tempfile


def write_rows(path, rows):
    """Write `rows` (dicts with the same keys) to the CSV file `path`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", newline="", dir=path.parent, delete=False,
                                     suffix=".tmp") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(f.name, path)
