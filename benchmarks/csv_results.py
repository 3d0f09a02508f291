"""Writing a benchmark's results: one CSV file, replaced only once complete (a run stopped half-way
leaves the previous results as they were), or updated with the runs of a new call."""

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


def update_rows(path, rows, key_columns):
    """Write `rows` to `path` (as write_rows), keeping the rows already there whose values in
    `key_columns` no new row has (with key_columns=("machine",): the last run on each machine)."""
    def key(row):
        return tuple(str(row[column]) for column in key_columns)
    new = {key(row) for row in rows}
    kept = []
    if path.exists():
        with open(path, newline="") as f:
            kept = [row for row in csv.DictReader(f) if key(row) not in new]
    write_rows(path, rows + kept)
