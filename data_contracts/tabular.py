"""Raw tables: any supported file becomes a table of text cells with row numbers.

The readers never trust a file's own types: CSV, Parquet and Excel inputs are all
turned into Arrow string columns first, so that every rejected value can be shown
exactly as it was written and parsed by one set of rules. This module only finds the
header, detects the encoding and delimiter, and numbers the data rows.

Row numbers are 1-based *data* rows: the first record after the header is row 1.
Blank lines (CSV) and empty rows (Excel) are not records and are not counted; lines
above the header (titles, an extra header row) are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from data_contracts import layouts
from data_contracts.errors import UnusableFileError

#: How many lines/rows above the header may hold titles or an extra header row.
HEADER_SEARCH_ROWS = 20
#: Bytes the CSV parser reads at a time; one record may not be longer.
CSV_BLOCK_BYTES = 1 << 24
#: Header names shown in an error message (a file without line breaks is one "header").
_SHOWN_HEADER_CHARS = 120

#: Leading bytes of files that are not text tables, and what to call them.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "UTF-32 text (little-endian byte-order mark); save it as UTF-8 CSV"),
    (codecs.BOM_UTF32_BE, "UTF-32 text (big-endian byte-order mark); save it as UTF-8 CSV"),
    (codecs.BOM_UTF16_LE, "UTF-16 text (little-endian byte-order mark, as Excel's 'Unicode text' "
                          "export writes); save it as UTF-8 CSV"),
    (codecs.BOM_UTF16_BE, "UTF-16 text (big-endian byte-order mark); save it as UTF-8 CSV"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls) or another OLE2 document; "
                                          "save it as .xlsx or CSV"),
    (b"PAR1", "a Parquet file; name it .parquet"),
    (b"\x1f\x8b", "gzip-compressed; decompress it first"),
    (b"%PDF", "a PDF document"),
)
_DELIMITERS = (",", ";", "\t", "|")
_RUBRIC_NAMES = {c.upper(): c for c in layouts.RUBRIC_CODES}


@dataclass(frozen=True)
class RawTable:
    """The text cells of one input file.

    Attributes
    ----------
    table : pyarrow.Table
        One string column per header field (canonical column names), nulls for
        empty cells.
    rows : numpy.ndarray
        1-based data-row number of each table row.
    malformed : pandas.DataFrame
        Records that could not be split into the header's fields: ``row``, ``text``,
        ``column`` (the first missing field, or the last one if there are too many).
    """

    path: str
    file_format: str
    table: pa.Table
    rows: np.ndarray
    malformed: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None
    header_line: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows_read(self) -> int:
        """Records after the header, malformed ones included."""
        return int(len(self.rows) + len(self.malformed))


def canonical_column_name(name: object) -> str:
    """Map a header cell to its canonical name (``Enterprise Number`` -> ``enterprise_number``)."""
    text = str(name).replace("\ufeff", "").strip().strip('"').strip()
    if text.upper() in _RUBRIC_NAMES:
        return _RUBRIC_NAMES[text.upper()]
    return "_".join(text.lower().split())


def _empty_malformed() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series(dtype="int64"), "text": pd.Series(dtype=object),
                         "column": pd.Series(dtype=object)})


def _check_header(path: str, names: Sequence[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in names]
    if missing:
        shown = ", ".join(names)
        if len(shown) > _SHOWN_HEADER_CHARS:
            shown = shown[:_SHOWN_HEADER_CHARS] + f"… ({len(names)} fields)"
        raise UnusableFileError(
            f"{path}: required column(s) missing: {', '.join(missing)} (header: {shown})"
        )
    dup = sorted({n for n in names if list(names).count(n) > 1 and n})
    if dup:
        raise UnusableFileError(f"{path}: duplicated column(s) in header: {', '.join(dup)}")


def _find_header(rows: Sequence[Sequence[object]], required: Sequence[str]) -> int:
    """Index of the first row holding every required column, else of the best match."""
    best, best_hits = 0, -1
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {canonical_column_name(c) for c in cells if c is not None and str(c) != "nan"}
        hits = sum(r in names for r in required)
        if hits == len(required):
            return i
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def sniff_binary(path: str, head: bytes) -> None:
    """Refuse a file that is not a text table, saying what it is.

    A workbook renamed ``.csv`` or a UTF-16 export would otherwise be decoded as
    Latin-1 and fail on a garbled header.
    """
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            if signature == b"PK\x03\x04":
                what = _zip_kind(path)
            raise UnusableFileError(f"{path}: not a CSV file: the file is {what}")
    if b"\x00" in head[:4096]:
        raise UnusableFileError(f"{path}: not a CSV file: it holds NUL bytes (UTF-16 text without a "
                                "byte-order mark, or a binary file); save it as UTF-8 CSV")


def _zip_kind(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return "a damaged zip archive"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx, a zip archive); name it .xlsx or save it as CSV"
    if "content.xml" in names:
        return "an OpenDocument spreadsheet (.ods, a zip archive); save it as .xlsx or CSV"
    return "a zip archive; extract the CSV file from it"


def _overlong_record(data: bytes, offset: int) -> str:
    """Where a record exceeds the parser's block (a missing line break or an unclosed quote)."""
    body = np.frombuffer(data, dtype=np.uint8)[offset:]
    ends = np.append(np.flatnonzero(body == 10), len(body))
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    long = np.flatnonzero(lengths > CSV_BLOCK_BYTES)
    quote_line = np.searchsorted(starts, np.flatnonzero(body == ord('"')), side="right") - 1
    quotes = np.bincount(quote_line, minlength=len(starts))
    unclosed = np.flatnonzero((quotes % 2 == 1) & (lengths > 0))
    blank = (lengths == 0) | ((lengths == 1) & (body[np.minimum(starts, len(body) - 1)] == 13))
    first = min(x[0] for x in (long, unclosed, [len(lengths)]) if len(x))
    if first >= len(lengths):
        return "a record is longer than the parser's block"
    row = int(first - blank[1:first].sum())  # line 0 is the header; blank lines are not rows
    if first in set(long.tolist()):
        return (f"row {row} is {int(lengths[first]):,} bytes long, more than the "
                f"{CSV_BLOCK_BYTES:,} a record may have (a missing line break or an unclosed quote)")
    return f"row {row} opens a quoted field that is not closed within {CSV_BLOCK_BYTES:,} bytes"


def detect_encoding(data: bytes) -> str:
    """``utf-8`` if the bytes decode as UTF-8 (with or without BOM), else ``latin-1``."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.isascii():
        return "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step], final=start + step >= len(data))
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _read_csv(path: str, required: Sequence[str]) -> RawTable:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnusableFileError(f"{path}: cannot read file: {exc.strerror or exc}") from None
    if not data or data.isspace():  # isspace stops at the first other byte; strip() would copy
        raise UnusableFileError(f"{path}: file is empty")
    sniff_binary(path, data[:4096])
    encoding = detect_encoding(data)
    head = data[:1 << 16].decode(encoding, errors="replace")
    lines = head.splitlines()
    nonblank = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        raise UnusableFileError(f"{path}: file is empty")

    candidates = [_split_header_candidate(line) for _, line in nonblank[:HEADER_SEARCH_ROWS]]
    k = _find_header([cells for _, cells in candidates], required)
    delimiter, header_cells = candidates[k]
    header_line = nonblank[k][0] + 1
    names = [canonical_column_name(c) for c in header_cells]
    _check_header(path, names, required)

    # Start the byte buffer at the header line so that pyarrow's record numbers are
    # relative to it (record 1 = header).
    offset = _byte_offset_of_line(data, nonblank[k][0])
    buffer = pa.py_buffer(data).slice(offset)
    pa_encoding = "utf8" if encoding.startswith("utf-8") else "latin1"
    bad: list[tuple[int | None, str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    def parse(use_threads: bool) -> pa.Table:
        bad.clear()
        return pacsv.read_csv(
            pa.BufferReader(buffer),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=use_threads,
                encoding=pa_encoding, block_size=CSV_BLOCK_BYTES,
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True,
            ),
        )

    try:
        table = parse(use_threads=True)
        if any(number is None for number, _, _ in bad):
            table = parse(use_threads=False)  # row numbers of malformed records need a serial read
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "straddling" in str(exc):
            raise UnusableFileError(f"{path}: cannot parse as CSV: {_overlong_record(data, offset)}") from None
        raise UnusableFileError(f"{path}: cannot parse as CSV: {str(exc).splitlines()[0]}") from None
    # The column reported for a malformed record: the first missing field, or the
    # last declared one when there are too many fields.
    malformed = pd.DataFrame({
        "row": np.array([int(n) - 1 for n, _, _ in bad], dtype=np.int64),
        "text": pd.Series([t for _, t, _ in bad], dtype=object),
        "column": pd.Series([names[min(k, len(names) - 1)] for _, _, k in bad], dtype=object),
    }) if bad else _empty_malformed()
    rows = _kept_row_numbers(table.num_rows, malformed["row"].to_numpy())
    return RawTable(path, "csv", table, rows, malformed, encoding.replace("-sig", ""), delimiter, header_line)


def _split_header_candidate(line: str) -> tuple[str, list[str]]:
    """The likeliest delimiter of a line (the most frequent candidate) and its fields."""
    delimiter = max(_DELIMITERS, key=line.count)
    fields = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
    return delimiter, fields


def _byte_offset_of_line(data: bytes, line_index: int) -> int:
    offset = 0
    for _ in range(line_index):
        nl = data.find(b"\n", offset)
        if nl < 0:
            return len(data)
        offset = nl + 1
    return offset


def _kept_row_numbers(n_kept: int, malformed_rows: np.ndarray) -> np.ndarray:
    total = n_kept + len(malformed_rows)
    return np.setdiff1d(np.arange(1, total + 1, dtype=np.int64), malformed_rows, assume_unique=True)


def _to_string_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cast a typed Parquet column to text; timestamps and dates to ISO dates."""
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        return column.cast(pa.date32()).cast(pa.string())
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_boolean(column.type):
        return column.cast(pa.int8()).cast(pa.string())
    return column.cast(pa.string())


def _read_parquet(path: str, required: Sequence[str]) -> RawTable:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UnusableFileError(f"{path}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    names = [canonical_column_name(n) for n in table.column_names]
    _check_header(path, names, required)
    columns = [_to_string_column(table.column(i)) for i in range(table.num_columns)]
    columns = [pa.compute.if_else(pa.compute.equal(c, ""), None, c) for c in columns]
    table = pa.table(columns, names=names)
    if table.num_rows == 0:
        raise UnusableFileError(f"{path}: file has a header but no data rows")
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return RawTable(path, "parquet", table, rows, _empty_malformed())


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_excel(path: str, required: Sequence[str], sheet: str | int | None) -> RawTable:
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for corrupt workbooks
        raise UnusableFileError(f"{path}: cannot read as Excel: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    frame = frame.dropna(how="all")
    if frame.empty:
        raise UnusableFileError(f"{path}: file is empty")
    cells = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    k = _find_header(cells, required)
    names = [canonical_column_name(c) if c is not None else f"unnamed_{j}" for j, c in enumerate(cells[k])]
    _check_header(path, names, required)
    body = frame.iloc[k + 1:]
    if body.empty:
        raise UnusableFileError(f"{path}: file has a header but no data rows")
    # Spreadsheets are small (membership lists); a per-cell conversion is fine here.
    columns = [pa.array(body.iloc[:, j].map(_cell_text).tolist(), type=pa.string()) for j in range(body.shape[1])]
    table = pa.table(columns, names=names)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    header_line = int(frame.index[k]) + 1
    return RawTable(path, "xlsx", table, rows, _empty_malformed(), header_line=header_line)


def read_raw_table(path: str | Path, required: Sequence[str], *, sheet: str | int | None = None) -> RawTable:
    """Read a CSV, Parquet or Excel file into text columns with data-row numbers.

    Parameters
    ----------
    path : str or Path
        The file; the format follows the suffix (``.parquet``/``.pq``, ``.xlsx``/``.xlsm``,
        anything else is CSV).
    required : sequence of str
        Canonical column names that must be in the header (also used to find a header
        that is not on the first line).
    sheet : str or int, optional
        Excel sheet (default: the first).

    Raises
    ------
    UnusableFileError
        Missing, empty or unparseable file, or a required column missing.
    """
    path = str(path)
    if not Path(path).exists():
        raise UnusableFileError(f"{path}: file not found")
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        raw = _read_parquet(path, required)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_excel(path, required, sheet)
    else:
        raw = _read_csv(path, required)
    if raw.rows_read == 0:
        raise UnusableFileError(f"{path}: file has a header but no data rows")
    return raw
