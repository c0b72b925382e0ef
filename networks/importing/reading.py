"""Reading spreadsheets: a Kumu-style workbook, a pair of CSV files or a .zip of them, into tables.

Every cell comes back as text with its line number; problems with a whole file become bad rows.
"""

import csv
import datetime
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from django.conf import settings

# What a damaged zip or workbook raises while its members are read (CRC, deflate, truncated XML).
DAMAGED_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    expat.ExpatError,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    OSError,
)
MEMBER_SHEET = "Elements"
TIE_SHEET = "Connections"
LIST_SEPARATOR = "|"
# Spreadsheet programs run cells starting with these as formulas; exports prefix them with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")
# A zip (xlsx or CSVs) may expand far beyond its upload size; refuse archives that would.
MAX_EXPANSION = 10
# A cell is no larger than its file, which the upload cap bounds; the planner then names the column
# that is too long (weaver.lib.limits), where csv's own 128 KB limit refused the whole line.
csv.field_size_limit(2**31 - 1)

MEMBER_COLUMNS = {
    "label": "label",
    "name": "label",
    "type": "type",
    "kind": "type",
    "email": "email",
    "e-mail": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "organisations": "organisation",
    "organizations": "organisation",
    "community": "community",
    "location": "location",
    "tags": "tags",
    "tag": "tags",
    "description": "description",
}
TIE_COLUMNS = {
    "from": "from",
    "to": "to",
    "type": "type",
    "strength": "strength",
    "direction": "direction",
}


def neutralise(value: str) -> str:
    """A cell value safe from formula injection; `unneutralise` gives the value back exactly."""
    if value and (value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] in _ESCAPED_STARTS)):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    if value[:1] == "'" and value[1:2] and value[1] in _ESCAPED_STARTS:
        return value[1:]
    return value


def max_upload_bytes() -> int:
    return settings.WEAVER_MAX_UPLOAD_MB * 1024 * 1024


def too_large_message(name: str, size: int) -> str:
    return (
        f"“{name}” is {size / 1024 / 1024:.1f} MB; the limit is {settings.WEAVER_MAX_UPLOAD_MB} MB. "
        "Split it into smaller files, or remove unused columns and sheets."
    )


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class BadRow:
    sheet: str
    line: int | None
    reason: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "line": self.line, "reason": self.reason}

    def __str__(self) -> str:
        where = f"{self.sheet}, line {self.line}" if self.line else self.sheet
        return f"{where}: {self.reason}"


@dataclass
class Table:
    """One sheet or CSV file: canonical column name → position, and its non-empty rows with line numbers."""

    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]

    def has(self, column: str) -> bool:
        return column in self.columns

    def cell(self, cells: list[str], column: str) -> str | None:
        """The cell's text, or None when the table has no such column."""
        index = self.columns.get(column)
        if index is None:
            return None
        return cells[index] if index < len(cells) else ""


@dataclass
class ReadResult:
    members: Table | None = None
    ties: Table | None = None
    bad_rows: list[BadRow] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        """Data rows (members and ties), the unit of an import's progress and of its row limit."""
        return sum(len(table.rows) for table in (self.members, self.ties) if table is not None)


# Reading ---------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _normalise_header(value: str) -> str:
    return " ".join(value.strip().lower().split())


def _columns(header: list[str], aliases: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        canonical = aliases.get(_normalise_header(raw))
        if canonical and canonical not in columns:
            columns[canonical] = index
    return columns


def _table(sheet: str, header: list[str], rows, aliases: dict[str, str]) -> Table:
    body = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]
    return Table(sheet=sheet, columns=_columns(header, aliases), rows=body)


def _zip_too_big(archive: zipfile.ZipFile) -> bool:
    return sum(info.file_size for info in archive.infolist()) > MAX_EXPANSION * max_upload_bytes()


class _ForbiddenXML(ValueError):
    """A worksheet declares a DTD or entities: never in a real workbook, and the way XML bombs work."""


def _forbid(*args) -> None:
    raise _ForbiddenXML("DTDs and entities are not allowed in a workbook")


def _column_index(reference: str, cache: dict[str, int]) -> int:
    """0-based column of a cell reference such as "AB12"."""
    letters = reference.rstrip("0123456789")
    index = cache.get(letters)
    if index is None:
        index = 0
        for letter in letters.upper():
            index = index * 26 + ord(letter) - 64
        index = cache[letters] = index - 1
    return index


# The worksheet elements the fast reader acts on, by local name (producers may add a prefix, "x:c").
_CELL, _VALUE, _TEXT, _INLINE, _PHONETIC, _ROW, _FORMULA = range(1, 8)
_ELEMENTS = {"c": _CELL, "v": _VALUE, "t": _TEXT, "is": _INLINE, "rPh": _PHONETIC, "row": _ROW, "f": _FORMULA}


def formula_message(reference: str, formula: str) -> str:
    shown = f" (={formula[:60]}{'…' if len(formula) > 60 else ''})" if formula else ""
    return (
        f"Cell {reference} is a formula{shown} with no saved result: Weaver imports values, not formulas. "
        "Open the file in Excel or LibreOffice and save it (that stores the results), "
        "or paste the cells as values."
    )


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _sheet_rows(
    workbook, worksheet, formulas: list[tuple[int, str]] | None = None
) -> list[tuple[int, list[str]]] | None:
    """A read-only worksheet's rows as (row number, cell texts), parsed straight from its XML with expat.

    openpyxl's own reader builds a dict per cell and, for inline strings (what openpyxl itself writes),
    a rich-text object too: about 30 µs a cell, 10 s for a 50,000-tie workbook. Here a cell costs a
    few expat callbacks. The workbook's structure (sheet paths, shared strings, date styles, epoch)
    still comes from openpyxl; None when this openpyxl keeps them elsewhere (the caller falls back).
    As defusedxml does, a DTD or entity declaration is refused. A formula cell gives its saved result
    (as openpyxl's data_only); one without a saved result (a file written by a program that does not
    compute formulas) is appended to `formulas` as (row, message) and read as its formula's text.
    """
    try:
        archive = workbook._archive
        path = worksheet._worksheet_path
        shared = worksheet._shared_strings
        date_styles = workbook._date_formats
        timedelta_styles = workbook._timedelta_formats
        epoch = workbook.epoch
    except AttributeError:
        return None
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    rows: list[tuple[int, list[str]]] = []
    roles: dict[str, int] = {}
    columns: dict[str, int] = {}
    row_number, cells = 0, None
    column, kind, style, parts, formula = -1, "n", 0, [], None
    collecting = inline = phonetic = in_formula = False

    def role_of(tag: str) -> int:
        role = roles[tag] = _ELEMENTS.get(tag.rpartition(":")[2], 0)
        return role

    def start(tag: str, attrs: dict) -> None:
        nonlocal row_number, cells, column, kind, style, parts, collecting, inline, phonetic
        nonlocal formula, in_formula
        role = roles.get(tag) or role_of(tag)
        if role == _CELL:
            reference = attrs.get("r")
            column = _column_index(reference, columns) if reference else column + 1
            kind = attrs.get("t", "n")
            style = int(attrs["s"]) if "s" in attrs else 0
            parts, formula = [], None
        elif role == _FORMULA:
            formula, in_formula = [], True
        elif role == _VALUE or (role == _TEXT and inline and not phonetic):
            collecting = True
        elif role == _INLINE:
            inline = True
        elif role == _PHONETIC:
            phonetic = True
        elif role == _ROW:
            number = attrs.get("r")
            row_number = int(float(number)) if number else row_number + 1
            cells, column = [], -1

    def text(data: str) -> None:
        if collecting:
            parts.append(data)
        elif in_formula:
            formula.append(data)

    def end(tag: str) -> None:
        nonlocal cells, collecting, inline, phonetic, in_formula
        role = roles.get(tag) or role_of(tag)
        if role == _CELL:
            if cells is None:
                return
            raw = "".join(parts)
            if formula is not None and not raw:
                text = "".join(formula)
                if formulas is not None:
                    formulas.append(
                        (row_number, formula_message(f"{_column_letters(column)}{row_number}", text))
                    )
                value = "=" + text if text else "="
            elif not raw:
                value = ""
            elif kind == "n":
                number = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
                if style in date_styles:
                    try:
                        number = from_excel(number, epoch, timedelta=style in timedelta_styles)
                    except (OverflowError, ValueError):
                        number = "#VALUE!"
                value = _cell_text(number)
            elif kind == "s":
                value = _cell_text(shared[int(raw)])
            elif kind == "b":
                value = _cell_text(bool(int(raw)))
            elif kind == "d":
                value = _cell_text(from_ISO8601(raw))
            else:  # inlineStr, str (a formula's text), e (an error such as #N/A)
                value = unneutralise(raw)
            if column >= len(cells):
                cells.extend([""] * (column + 1 - len(cells)))
            cells[column] = value
        elif role in (_VALUE, _TEXT):
            collecting = False
        elif role == _FORMULA:
            in_formula = False
        elif role == _INLINE:
            inline = False
        elif role == _PHONETIC:
            phonetic = False
        elif role == _ROW:
            rows.append((row_number, cells))
            cells = None

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    with archive.open(path) as source:
        parser.ParseFile(source)
    return rows


def _read_workbook(name: str, content: bytes, result: ReadResult) -> None:
    # openpyxl parses the workbook's XML through defusedxml when it is installed (it is a dependency).
    from openpyxl import load_workbook

    not_workbook = BadRow(name, None, "This is not a valid .xlsx workbook (it may be damaged).")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        result.bad_rows.append(not_workbook)
        return
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if _zip_too_big(archive):
            result.bad_rows.append(BadRow(name, None, "This workbook holds too much data to import."))
            return
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on damaged or foreign files.
        result.bad_rows.append(not_workbook)
        return
    try:
        sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        found = ", ".join(f"“{ws.title}”" for ws in workbook.worksheets) or "none"
        for sheet_name, aliases, slot in (
            (MEMBER_SHEET, MEMBER_COLUMNS, "members"),
            (TIE_SHEET, TIE_COLUMNS, "ties"),
        ):
            ws = sheets.get(sheet_name.lower())
            if ws is None:
                result.bad_rows.append(
                    BadRow(name, None, f"The workbook has no sheet called “{sheet_name}” (it has: {found}).")
                )
                continue
            formulas: list[tuple[int, str]] = []
            parsed = _sheet_rows(workbook, ws, formulas)
            result.bad_rows.extend(BadRow(sheet_name, line, message) for line, message in formulas)
            if parsed is None:
                parsed = [
                    (line, [_cell_text(v) for v in row])
                    for line, row in enumerate(ws.iter_rows(values_only=True), start=1)
                ]
            if not parsed:
                continue
            (_, header_cells), *body = parsed
            _assign(result, slot, _table(sheet_name, header_cells, body, aliases), name)
    except DAMAGED_ARCHIVE_ERRORS:
        # Read-only mode parses each sheet's XML only while its rows are read.
        result.bad_rows.append(not_workbook)
    finally:
        workbook.close()


def _sniff_delimiter(text: str) -> str:
    lines = text[:65536].splitlines()
    first = lines[0] if lines else ""
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in first:
        return delimiter
    # The sniffer can be fooled by commas inside descriptions; the header row decides then.
    counts = {d: first.count(d) for d in ",;\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(name: str, content: bytes, result: ReadResult) -> None:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        result.bad_rows.append(
            BadRow(name, None, "Bad encoding: this file is UTF-16. In Excel, save it as “CSV UTF-8”.")
        )
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        result.bad_rows.append(
            BadRow(
                name,
                line,
                "Bad encoding: this file is not UTF-8 text. In Excel, save it as “CSV UTF-8”; "
                "in other programs choose the UTF-8 encoding.",
            )
        )
        return
    if "\x00" in text:
        result.bad_rows.append(BadRow(name, None, "This does not look like a CSV text file."))
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous_line = 0
    try:
        for cells in reader:
            line, previous_line = previous_line + 1, reader.line_num
            cells = [unneutralise(c) for c in cells]
            if header is None:
                if any(c.strip() for c in cells):
                    header = cells
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        result.bad_rows.append(BadRow(name, reader.line_num, f"This line cannot be read as CSV ({exc})."))
        return
    if header is None:
        result.bad_rows.append(BadRow(name, None, "The file is empty."))
        return
    names = {_normalise_header(h) for h in header}
    if {"label", "name"} & names:
        _assign(result, "members", _table(name, header, rows, MEMBER_COLUMNS), name)
    elif {"from", "to"} <= names:
        _assign(result, "ties", _table(name, header, rows, TIE_COLUMNS), name)
    else:
        result.bad_rows.append(
            BadRow(
                name,
                1,
                "Missing required column: a members file needs a “Label” (or “Name”) column, "
                "a ties file needs “From” and “To” columns.",
            )
        )


def _read_zip(name: str, content: bytes, result: ReadResult) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        result.bad_rows.append(BadRow(name, None, "This is not a valid .zip file."))
        return
    with archive:
        if _zip_too_big(archive):
            result.bad_rows.append(BadRow(name, None, "This .zip holds too much data to import."))
            return
        entries = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".csv")
            and not info.filename.startswith("__MACOSX/")
        ]
        if not entries:
            result.bad_rows.append(BadRow(name, None, "This .zip contains no .csv files."))
        for info in entries:
            try:
                content = archive.read(info)
            except DAMAGED_ARCHIVE_ERRORS:
                result.bad_rows.append(BadRow(name, None, f"“{info.filename}” in this .zip is damaged."))
                continue
            _read_csv(info.filename.rsplit("/", 1)[-1], content, result)


def _assign(result: ReadResult, slot: str, table: Table, name: str) -> None:
    existing = getattr(result, slot)
    if existing is not None:
        what = "members" if slot == "members" else "ties"
        result.bad_rows.append(
            BadRow(
                name,
                None,
                f"More than one {what} table ({existing.sheet} and {table.sheet}). "
                "Upload one workbook, or one members CSV and one ties CSV.",
            )
        )
        return
    setattr(result, slot, table)


def read_files(files: list[SourceFile]) -> ReadResult:
    """Read uploaded spreadsheets into a members table and a ties table, collecting file-level problems."""
    result = ReadResult(names=[f.name for f in files])
    for source in files:
        if len(source.content) > max_upload_bytes():
            result.bad_rows.append(
                BadRow(source.name, None, too_large_message(source.name, len(source.content)))
            )
            continue
        extension = source.name.lower().rsplit(".", 1)[-1] if "." in source.name else ""
        if extension in ("xlsx", "xlsm"):
            _read_workbook(source.name, source.content, result)
        elif extension in ("csv", "tsv", "txt"):
            _read_csv(source.name, source.content, result)
        elif extension == "zip":
            _read_zip(source.name, source.content, result)
        elif extension == "xls":
            result.bad_rows.append(
                BadRow(
                    source.name,
                    None,
                    "This is an old Excel file (.xls). In Excel choose Save As › Excel Workbook (.xlsx).",
                )
            )
        else:
            result.bad_rows.append(
                BadRow(source.name, None, "Not an .xlsx workbook or a .csv file, so it cannot be imported.")
            )
    for table, required in ((result.members, ("label",)), (result.ties, ("from", "to"))):
        if table is None:
            continue
        for column in required:
            if not table.has(column):
                label = {"label": "“Label” (or “Name”)", "from": "“From”", "to": "“To”"}[column]
                result.bad_rows.append(BadRow(table.sheet, 1, f"Missing required column {label}."))
    if result.row_count > settings.WEAVER_IMPORT_MAX_ROWS:
        result.bad_rows.append(
            BadRow(
                ", ".join(result.names),
                None,
                f"The upload has {result.row_count:,} rows (members and ties together); the limit is "
                f"{settings.WEAVER_IMPORT_MAX_ROWS:,}. Split it into smaller imports.",
            )
        )
        result.members = result.ties = None  # nothing more to say about rows that will not be imported
    if result.members is None and result.ties is None and not result.bad_rows:
        result.bad_rows.append(
            BadRow(", ".join(result.names) or "upload", None, "There is nothing to import.")
        )
    return result
