"""The industries of the simulated economy and their production technology.

A fixed table (not drawn from the seed) so that every demo population shares the
same, documented technology: twenty NACE-BEL 2008 divisions, manufacturing and
services, none of the financial divisions 64-66 the study excludes. Each row gives
the Cobb-Douglas value-added elasticities of labour and capital, the materials
intensity of the Leontief gross-output technology (materials per unit of value
added, as in Ackerberg, Caves and Frazer, 2015, section 4), the goods share of
intermediate inputs (rubric 60 versus 61), the capital stock per FTE of a median
firm, the real labour cost per FTE, the share of firms and the NACE-BEL
subclasses (``NN.NNN``, all existing codes) a firm of the division may carry.
"""

from __future__ import annotations

import pandas as pd

#: nace2, label, labour, capital, materials per VA, goods share of 60/61,
#: capital per FTE (euro), labour cost per FTE (euro, base year), share of firms,
#: NACE-BEL 2008 subclasses.
_INDUSTRY_ROWS: tuple[tuple, ...] = (
    ("10", "Food products", 0.62, 0.30, 3.2, 0.80, 90_000, 62_400, 0.035,
     ("10.110", "10.510", "10.712", "10.890")),
    ("11", "Beverages", 0.56, 0.34, 2.6, 0.75, 160_000, 74_400, 0.006,
     ("11.050", "11.070")),
    ("20", "Chemicals", 0.55, 0.33, 3.5, 0.85, 260_000, 98_400, 0.010,
     ("20.140", "20.160", "20.590")),
    ("21", "Pharmaceuticals", 0.57, 0.32, 1.8, 0.70, 230_000, 105_600, 0.004,
     ("21.100", "21.201")),
    ("22", "Rubber and plastics", 0.63, 0.29, 2.4, 0.80, 120_000, 72_000, 0.012,
     ("22.220", "22.290")),
    ("25", "Fabricated metal products", 0.68, 0.25, 1.6, 0.75, 70_000, 67_200, 0.040,
     ("25.110", "25.620")),
    ("26", "Computer and electronic products", 0.66, 0.26, 1.7, 0.70, 80_000, 86_400, 0.008,
     ("26.110", "26.510")),
    ("27", "Electrical equipment", 0.65, 0.27, 1.9, 0.75, 85_000, 79_200, 0.008,
     ("27.120", "27.900")),
    ("28", "Machinery", 0.67, 0.25, 1.8, 0.75, 75_000, 79_200, 0.020,
     ("28.290", "28.300", "28.990")),
    ("30", "Other transport equipment", 0.66, 0.27, 2.0, 0.75, 100_000, 76_800, 0.004,
     ("30.110", "30.300")),
    ("35", "Electricity and gas supply", 0.55, 0.35, 2.2, 0.65, 700_000, 108_000, 0.008,
     ("35.110", "35.140")),
    ("41", "Construction of buildings", 0.72, 0.20, 2.0, 0.55, 35_000, 60_000, 0.120,
     ("41.201", "41.202")),
    ("42", "Civil engineering", 0.66, 0.28, 1.7, 0.55, 110_000, 69_600, 0.015,
     ("42.110", "42.910")),
    ("43", "Specialised construction", 0.74, 0.20, 1.2, 0.60, 30_000, 57_600, 0.190,
     ("43.211", "43.222", "43.320")),
    ("46", "Wholesale trade", 0.65, 0.24, 6.0, 0.90, 40_000, 69_600, 0.170,
     ("46.390", "46.460", "46.690")),
    ("49", "Land transport", 0.67, 0.28, 1.5, 0.40, 90_000, 60_000, 0.070,
     ("49.410",)),
    ("52", "Warehousing and transport support", 0.60, 0.30, 1.6, 0.30, 150_000, 72_000, 0.030,
     ("52.220", "52.290")),
    ("62", "Computer programming and consultancy", 0.74, 0.20, 0.6, 0.20, 15_000, 84_000, 0.150,
     ("62.010", "62.020", "62.090")),
    ("71", "Architecture and engineering", 0.73, 0.21, 0.7, 0.20, 18_000, 76_800, 0.140,
     ("71.121", "71.200")),
    ("72", "Scientific research and development", 0.66, 0.26, 0.9, 0.35, 60_000, 91_200, 0.010,
     ("72.110", "72.190")),
)

INDUSTRY_COLUMNS: tuple[str, ...] = (
    "nace2", "label", "labour", "capital", "materials_per_va", "goods_share",
    "capital_per_fte", "wage_per_fte", "firm_share", "nace_codes",
)


def industry_table() -> pd.DataFrame:
    """The industries of the simulated economy, one row per NACE 2-digit division.

    Returns
    -------
    pandas.DataFrame
        Columns ``nace2`` (two-digit string), ``label``, ``labour`` and ``capital``
        (true Cobb-Douglas value-added elasticities), ``materials_per_va``,
        ``goods_share``, ``capital_per_fte``, ``wage_per_fte``, ``firm_share``
        (normalised to sum to one) and ``nace_codes`` (tuple of NACE-BEL codes).
    """
    table = pd.DataFrame(list(_INDUSTRY_ROWS), columns=list(INDUSTRY_COLUMNS))
    table["firm_share"] = table["firm_share"] / table["firm_share"].sum()
    return table


#: How strongly each cluster draws its members from each division (relative
#: weights; a division absent from a cluster's row never joins it first).
CLUSTER_AFFINITY: dict[str, dict[str, float]] = {
    "Catalisti": {"20": 10, "21": 3, "22": 6, "46": 1, "72": 3, "71": 1},
    "Flux50": {"35": 10, "27": 6, "26": 3, "43": 2, "62": 2, "71": 2},
    "VIL": {"49": 6, "52": 10, "46": 3, "62": 1},
    "SIM": {"20": 3, "22": 4, "25": 5, "28": 5, "30": 2, "72": 3, "71": 1},
    "De Blauwe Cluster": {"30": 8, "42": 8, "52": 4, "35": 3, "72": 2, "71": 1},
    "Flanders' FOOD": {"10": 10, "11": 8, "46": 2, "72": 1},
    "MEDVIA": {"21": 8, "26": 6, "72": 6, "62": 2},
}

#: NACE code written by the "unknown NACE code" defect: a stale NACE-BEL 2003 code
#: (production of electricity) whose division 40 does not exist in NACE-BEL 2008.
UNKNOWN_NACE_CODE = "40.110"
