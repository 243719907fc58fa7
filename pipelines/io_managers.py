"""Parquet storage for every asset: no pickles of firm data."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath


class ParquetIOManager(dg.UPathIOManager):
    """Stores each asset output (a pandas DataFrame) as ``<base>/<asset>[/<partition>].parquet``.

    Parquet is written without pandas' index metadata timestamp and with a fixed
    compression, so the same frame always gives the same bytes.
    """

    extension: str = ".parquet"

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        """As UPathIOManager, plus single-run backfills: a dict ``{partition key: frame}``
        covering the run's partitions is stored as one file per partition."""
        if context.has_asset_partitions and isinstance(obj, dict):
            paths = self._get_paths_for_partitions(context)
            missing = sorted(set(paths) - set(obj))
            if missing:
                raise ValueError(f"asset {context.asset_key.to_user_string()} returned no frame for partitions {missing}")
            for key, path in sorted(paths.items()):
                self.make_directory(path.parent)
                self.dump_to_path(context=context, obj=obj[key], path=path)
            context.add_output_metadata({"partitions_written": len(paths)})
            return
        super().handle_output(context, obj)

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path: UPath) -> None:
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(
                f"asset {context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "every asset of this project must return a pandas DataFrame"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(obj, preserve_index=False)
        attrs = {k: v for k, v in obj.attrs.items() if _jsonable(v)}
        if attrs:
            meta = dict(table.schema.metadata or {})
            meta[b"cluster_impact_attrs"] = json.dumps(attrs, sort_keys=True).encode()
            table = table.replace_schema_metadata(meta)
        pq.write_table(table, str(path), compression="zstd")

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pd.DataFrame:
        table = pq.read_table(str(path))
        frame = table.to_pandas()
        raw = (table.schema.metadata or {}).get(b"cluster_impact_attrs")
        if raw:
            frame.attrs.update(json.loads(raw))
        return frame


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


class ParquetIOManagerFactory(dg.ConfigurableIOManagerFactory):
    """Configurable factory so the storage folder can be set per run or instance."""

    base_path: str

    def create_io_manager(self, context: dg.InitResourceContext) -> ParquetIOManager:
        return ParquetIOManager(base_path=UPath(self.base_path))
