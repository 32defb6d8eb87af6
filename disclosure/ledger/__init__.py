"""The ledger (依申请公开台账, ledger.md): import and export of requests, and the units and staff files.

Every import is all-or-nothing: the whole file is read and checked first, each bad cell is reported
as `row N, column X: reason` (N is the spreadsheet row, the header is row 1; X is the column as the
file names it), and only a file without errors is written — in one transaction, with bulk writes and
a constant number of queries, so a 10,000-row ledger takes seconds. The management commands only
parse arguments and print; the admin and the API call the same functions.

A ledger records history, so an imported request gets its state from its dates
(workflow.status_for_history) and its deadlines from deadlines.compute_deadline on one calendar,
and one `import` event; it does not replay the workflow's arrows one by one.

Modules: sheets (reading files, headers, errors), columns (values and row rules), requests
(import), bulk (its INSERTs from plain values; COPY on PostgreSQL), export, people (units and staff
files), upload and jobs (files from the admin and the API; a job is queued by the callable the shell
passes). Everything public is importable from here."""

from __future__ import annotations

from ..workflow import FINER_OPEN
from .bulk import WRITE_BATCH
from .columns import (
    CHOICE_NAMES,
    COLUMN,
    COMPUTED_COLUMNS,
    DATE_KEYS,
    DATE_PAIRS,
    DATE_RE,
    HANDLING_DATES,
    LEDGER_COLUMNS,
    LEDGER_KEYS,
    MODEL_FIELDS,
    PROCEEDING_DATES,
    check_consistency,
    ledger_values,
    parse_choice,
    parse_date,
)
from .export import (
    CONTENT_TYPES,
    EXPORT_COLUMNS,
    EXPORT_YEARS,
    LedgerDownload,
    LedgerFile,
    export_rows,
    iter_csv,
    iter_json,
    ledger_download,
    ledger_file,
    ledger_queryset,
    write_csv,
    write_json,
    write_xlsx,
)
from .people import (
    CODE_RE,
    STAFF_COLUMNS,
    UNIT_COLUMNS,
    StaffResult,
    UnitsResult,
    import_staff,
    import_units,
)
from .requests import (
    LOOKUP_CHUNK,
    REQUEST_UPDATE_FIELDS,
    ImportResult,
    import_ledger,
    refresh_statistics,
)
from .sheets import (
    IGNORED_HEADERS,
    Column,
    Header,
    ImpreciseNumber,
    LedgerFileError,
    LedgerInvalid,
    RowError,
    Sheet,
    map_header,
    read_sheet,
)

__all__ = [
    "CHOICE_NAMES",
    "CODE_RE",
    "COLUMN",
    "COMPUTED_COLUMNS",
    "CONTENT_TYPES",
    "DATE_KEYS",
    "DATE_PAIRS",
    "DATE_RE",
    "EXPORT_COLUMNS",
    "EXPORT_YEARS",
    "FINER_OPEN",
    "HANDLING_DATES",
    "IGNORED_HEADERS",
    "LEDGER_COLUMNS",
    "LEDGER_KEYS",
    "LOOKUP_CHUNK",
    "MODEL_FIELDS",
    "PROCEEDING_DATES",
    "REQUEST_UPDATE_FIELDS",
    "STAFF_COLUMNS",
    "UNIT_COLUMNS",
    "WRITE_BATCH",
    "Column",
    "Header",
    "ImportResult",
    "ImpreciseNumber",
    "LedgerDownload",
    "LedgerFile",
    "LedgerFileError",
    "LedgerInvalid",
    "RowError",
    "Sheet",
    "StaffResult",
    "UnitsResult",
    "parse_choice",
    "check_consistency",
    "export_rows",
    "import_ledger",
    "import_staff",
    "import_units",
    "iter_csv",
    "iter_json",
    "ledger_download",
    "ledger_file",
    "ledger_queryset",
    "ledger_values",
    "map_header",
    "parse_date",
    "read_sheet",
    "refresh_statistics",
    "write_csv",
    "write_json",
    "write_xlsx",
]
