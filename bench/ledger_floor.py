"""The floor for the ledger benchmarks (issue 12): a bare sqlite3 script doing the essential work of
an import and an export of the same file, with no Django: parse the CSV, check the dates and the ID
check digits, Fernet-encrypt the ID number and the contact, insert — and back: select, decrypt,
write CSV. import_ledger_bench.py and export_ledger_bench.py time it in the same run as the real
commands and print the ratio."""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from cryptography.fernet import Fernet

DATE_COLUMNS = (
    "submitted_on", "received_on", "correction_requested_on", "correction_received_on", "consultation_sent_on",
    "consultation_replied_on", "fee_notice_on", "fee_paid_on", "concluded_on", "reconsideration_filed_on",
    "reconsideration_decided_on", "litigation_filed_on", "litigation_decided_on",
)


def _check_digit(body17: str) -> str:
    from disclosure.idnumbers import resident_id_check

    return resident_id_check(body17)


def _database(path: Path, header: list[str]) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, {', '.join(f'{c} TEXT' for c in header)})")
    return db


def floor_import(csv_path: Path, db_path: Path, key: bytes) -> tuple[float, float]:
    """(wall, CPU) seconds for the bare import of csv_path into a fresh table."""
    fernet = Fernet(key)
    began, cpu = time.perf_counter(), time.process_time()
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        position = {c: i for i, c in enumerate(header)}
        dates = [position[c] for c in DATE_COLUMNS if c in position]
        id_at, contact_at = position["applicant_id_number"], position["applicant_contact"]
        rows = []
        for cells in reader:
            for i in dates:
                if cells[i]:
                    date.fromisoformat(cells[i])
            number = cells[id_at]
            if number and _check_digit(number[:17]) != number[17:].upper():
                raise ValueError(number)
            cells[id_at] = fernet.encrypt(number.encode()).decode() if number else ""
            cells[contact_at] = fernet.encrypt(cells[contact_at].encode()).decode() if cells[contact_at] else ""
            rows.append(cells)
    db = _database(db_path, header)
    with db:
        db.executemany(f"INSERT INTO ledger ({', '.join(header)}) VALUES ({', '.join('?' * len(header))})", rows)
    db.close()
    return time.perf_counter() - began, time.process_time() - cpu


def floor_export(db_path: Path, out_path: Path, key: bytes) -> tuple[float, float]:
    """(wall, CPU) seconds for the bare export: select every row, decrypt, write CSV."""
    fernet = Fernet(key)
    began, cpu = time.perf_counter(), time.process_time()
    db = sqlite3.connect(db_path)
    cursor = db.execute("SELECT * FROM ledger ORDER BY unit, received_on, ref")
    header = [d[0] for d in cursor.description][1:]
    id_at, contact_at = header.index("applicant_id_number") + 1, header.index("applicant_contact") + 1
    with open(out_path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        while batch := cursor.fetchmany(1000):
            for row in batch:
                row = list(row)
                if row[id_at]:
                    row[id_at] = fernet.decrypt(row[id_at].encode()).decode()
                if row[contact_at]:
                    row[contact_at] = fernet.decrypt(row[contact_at].encode()).decode()
                writer.writerow(row[1:])
    db.close()
    return time.perf_counter() - began, time.process_time() - cpu


def floors(csv_path: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """((wall, CPU) of the import, (wall, CPU) of the export) of the bare script on csv_path."""
    key = Fernet.generate_key()
    with tempfile.TemporaryDirectory(prefix="gk-floor-") as tmp:
        db_path = Path(tmp) / "floor.sqlite3"
        imported = floor_import(csv_path, db_path, key)
        exported = floor_export(db_path, Path(tmp) / "out.csv", key)
    return imported, exported
