"""Spreadsheets in: read a Kumu-style workbook or a pair of CSV files, plan the changes, apply them.

Reading and planning never write; `import_apply` writes a plan with no bad rows, all or nothing,
in bulk, with history rows carrying the acting user. The pages run both as tasks over a stored batch
(batches.py); `manage.py import_network` runs them in-process. Formats: "Import formats" in DESIGN.md.
"""

from networks.importing.applying import bad_rows_message, import_apply, import_run
from networks.importing.batches import (
    batch_files,
    import_batch_apply,
    import_batch_confirm,
    import_batch_create,
    import_batch_preview,
    import_batches_reconcile,
)
from networks.importing.planning import ImportPlan, import_plan, import_preview
from networks.importing.reading import (
    LIST_SEPARATOR,
    MEMBER_SHEET,
    TIE_SHEET,
    BadRow,
    ReadResult,
    SourceFile,
    max_upload_bytes,
    neutralise,
    read_files,
    too_large_message,
    unneutralise,
)

__all__ = [
    "LIST_SEPARATOR",
    "MEMBER_SHEET",
    "TIE_SHEET",
    "BadRow",
    "ImportPlan",
    "ReadResult",
    "SourceFile",
    "bad_rows_message",
    "batch_files",
    "import_apply",
    "import_batch_apply",
    "import_batch_confirm",
    "import_batch_create",
    "import_batch_preview",
    "import_batches_reconcile",
    "import_plan",
    "import_preview",
    "import_run",
    "max_upload_bytes",
    "neutralise",
    "read_files",
    "too_large_message",
    "unneutralise",
]
