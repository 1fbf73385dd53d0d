"""The reading half of ``adapters.db.arrow``, run in a child process for SQLite.

ADBC's SQLite driver carries its own copy of SQLite. Two copies of SQLite in one process
break each other's file locks (closing a file in one drops the POSIX locks the other holds:
https://www.sqlite.org/howtocorrupt.html, "multiple copies of SQLite"); tried here, the
driver read a stale snapshot and the next ``sqlite3`` connection failed with a disk I/O
error. So the driver never runs in the application's process: ``python -m
disputekit.adapters.db.arrow_batches`` reads a JSON request on stdin (``path``, ``sql``,
``types``, ``batch``) and writes the rows as an Arrow IPC stream on stdout, each batch
typed and dictionary-encoded as it is read (the child holds one batch at a time). It
imports only pyarrow and the driver.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TIME, TEXT, BOOL, FLOAT, INT = "time", "text", "bool", "float", "int"


def schema(types: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, arrow_type(kind)) for name, kind in types.items()])


def arrow_type(kind: str) -> pa.DataType:
    return {TEXT: pa.dictionary(pa.int32(), pa.string()), TIME: pa.int64(),
            BOOL: pa.bool_(), FLOAT: pa.float64(), INT: pa.int64()}[kind]


def convert(batch: pa.RecordBatch, types: dict[str, str]) -> pa.RecordBatch:
    """A batch as read (text, ISO instants, 0/1, numbers) in the types asked for."""
    columns = []
    for name, kind in types.items():
        column = batch.column(name)
        if kind == TEXT:
            column = column.cast(pa.string()) if not pa.types.is_string(column.type) else column
            # stripped per distinct value, not per row (ten million rows, a few thousand
            # values); encoded again only where stripping made two values one
            encoded = pc.dictionary_encode(column)
            stripped = pc.utf8_trim_whitespace(encoded.dictionary)
            if len(pc.unique(stripped)) == len(stripped):
                column = pa.DictionaryArray.from_arrays(encoded.indices, stripped)
            else:
                column = pc.dictionary_encode(pc.take(stripped, encoded.indices))
        elif kind == TIME:
            column = nanoseconds(column)
        elif kind == BOOL:
            column = column.cast(pa.bool_())
        elif kind == FLOAT:
            column = column.cast(pa.float64())
        else:
            column = column.cast(pa.int64())
        columns.append(column)
    return pa.record_batch(columns, names=list(types))


def nanoseconds(column: pa.Array) -> pa.Array:
    """Instants (ISO text from SQLite, datetimes from other drivers; naive = UTC) as int64
    nanoseconds since the epoch."""
    if pa.types.is_null(column.type) or (column.null_count == len(column)
                                         and not pa.types.is_timestamp(column.type)):
        return pa.nulls(len(column), pa.int64())
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        blank = pc.equal(column, "")
        column = pc.if_else(blank, pa.scalar(None, column.type), column).cast(
            pa.timestamp("us"))
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("ns", tz=column.type.tz)).cast(pa.int64())
    return column.cast(pa.int64())


def main() -> None:
    import adbc_driver_sqlite.dbapi as adbc

    request: dict[str, Any] = json.load(sys.stdin)
    types: dict[str, str] = request["types"]
    target = schema(types)
    out = pa.output_stream(sys.stdout.buffer)
    with adbc.connect(request["path"]) as conn, conn.cursor() as cursor, \
            pa.ipc.new_stream(out, target) as writer:
        # every batch read and typed alike: the driver infers a column's type from its
        # first rows, so the queries never leave a column null there and text later
        cursor.adbc_statement.set_options(
            **{"adbc.sqlite.query.batch_rows": str(request["batch"])})
        cursor.execute(request["sql"])
        for batch in cursor.fetch_record_batch():
            writer.write_batch(convert(batch, types).cast(target))
    print(f"peak_rss_kib={_peak_kib()}", file=sys.stderr)  # for the benchmarks


def _peak_kib() -> int:
    """This process's peak resident memory (VmHWM), from /proc where there is one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    main()
