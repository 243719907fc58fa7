"""Column contracts: the one place where each column of each input is defined.

Every column has a name, a pandas dtype, a unit, an allowed range or set, its
nullability, whether it must be unique, and the reason it exists. The pandera schemas
exported by this package (``ACCOUNTS_SCHEMA`` ...) are *built* from these tables, and
the readers quarantine rows by running those same schemas, so a rule lives here and
nowhere else. Check failures carry rule names (``negative_value``, ``not_allowed`` ...)
that appear verbatim in the quarantine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import pandera.pandas as pa

from data_contracts import layouts
from data_contracts.enterprise_number import CANONICAL_PATTERN as ENTERPRISE_PATTERN
from data_contracts.nace import CANONICAL_PATTERN as NACE_PATTERN
from data_contracts.rubrics import RUBRICS

RULE_MISSING = "required_missing"
RULE_NOT_ALLOWED = "not_allowed_value"
RULE_NEGATIVE = "negative_value"
RULE_BELOW_MIN = "below_minimum"
RULE_ABOVE_MAX = "above_maximum"
RULE_FORMAT = "bad_format"


@dataclass(frozen=True)
class ColumnContract:
    """Definition of one column of a validated frame."""

    name: str
    dtype: str
    unit: str
    reason: str
    nullable: bool = False
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None

    def checks(self) -> list[pa.Check]:
        """The pandera checks of this column, each named by its quarantine rule."""
        checks: list[pa.Check] = []
        if self.minimum is not None:
            rule = RULE_NEGATIVE if self.minimum == 0 else RULE_BELOW_MIN
            checks.append(pa.Check.ge(self.minimum, error=rule))
        if self.maximum is not None:
            checks.append(pa.Check.le(self.maximum, error=RULE_ABOVE_MAX))
        if self.allowed is not None:
            checks.append(pa.Check.isin(list(self.allowed), error=RULE_NOT_ALLOWED))
        if self.pattern is not None:
            checks.append(pa.Check.str_matches(self.pattern, error=RULE_FORMAT))
        return checks

    def to_pandera(self, *, arrow_text: bool = False) -> pa.Column:
        """This contract as a pandera column (unit and reason kept as metadata).

        ``arrow_text``: declare text columns as ``string[pyarrow]`` (the readers'
        internal representation, checked with vectorised Arrow kernels).
        """
        dtype = pd.StringDtype("pyarrow") if arrow_text and self.dtype == "str" else self.dtype
        return pa.Column(
            dtype,
            checks=self.checks(),
            nullable=self.nullable,
            unique=self.unique,
            coerce=False,
            description=self.reason,
            metadata={"unit": self.unit},
        )


def _enterprise_number(unique: bool = False) -> ColumnContract:
    return ColumnContract(
        "enterprise_number", "str", "identifier",
        "Belgian enterprise number in canonical spelling 0123.456.789 (mod-97 checked); "
        "the firm identifier that links accounts, membership and the panel.",
        pattern=ENTERPRISE_PATTERN, unique=unique,
    )


def _rubric_contract(rubric) -> ColumnContract:  # type: ignore[no-untyped-def]
    return ColumnContract(
        rubric.code, "float64", rubric.unit,
        f"Rubric {rubric.code}: {rubric.label}; feeds {rubric.feeds}. Empty = not reported.",
        nullable=True, minimum=rubric.lower, maximum=rubric.upper,
    )


#: Validated annual accounts, one row per filing (after corrections are resolved).
ACCOUNTS_COLUMNS: tuple[ColumnContract, ...] = (
    _enterprise_number(),
    ColumnContract("closing_date", "datetime64[ns]", "date",
                   "Closing date of the accounting period; determines the accounting year."),
    ColumnContract("year", "int64", "year",
                   "Accounting year: by default the calendar year of the closing date "
                   "(read_accounts(year_rule=...) documents the alternative).",
                   minimum=1990, maximum=2100),
    ColumnContract("months", "int64", "months",
                   "Length of the accounting period; Belgian law allows 1 to 24 months.",
                   minimum=1, maximum=24),
    ColumnContract("annualised", "bool", "flag",
                   "True where flow rubrics were scaled by 12/months (period not 12 months)."),
    ColumnContract("model", "str", "category",
                   "Filing model; abbreviated and micro filers may omit turnover, so value added "
                   "comes from the gross margin (9900).", allowed=layouts.FILING_MODELS),
    ColumnContract("nace", "str", "NACE-BEL 2008",
                   "Main activity, NACE-BEL 2008 subclass NN.NNN with a valid division; "
                   "defines the industry of production functions and deflators.",
                   pattern=NACE_PATTERN),
    ColumnContract("region", "str", "category",
                   "Region of the registered office; the study keeps the Flemish region (VLG).",
                   allowed=layouts.REGIONS),
    ColumnContract("foreign_owned", "boolean", "flag",
                   "Foreign-controlled enterprise (monitoring table M1); empty = unknown.",
                   nullable=True),
) + tuple(_rubric_contract(r) for r in RUBRICS)

ACCOUNTS_KEY: tuple[str, ...] = ("enterprise_number", "year")

#: Validated membership lists, one row per membership spell.
MEMBERSHIP_COLUMNS: tuple[ColumnContract, ...] = (
    ColumnContract("cluster", "str", "category",
                   "Spearhead cluster (the seven Flemish clusters).",
                   allowed=tuple(layouts.SPEARHEAD_CLUSTERS)),
    _enterprise_number(),
    ColumnContract("member_type", "str", "category",
                   "Only companies enter the TFP analysis; other members are counted in monitoring.",
                   allowed=layouts.MEMBER_TYPES),
    ColumnContract("join_date", "datetime64[ns]", "date",
                   "Start of membership; the earliest join across clusters is the treatment date."),
    ColumnContract("leave_date", "datetime64[ns]", "date",
                   "End of membership; empty while still a member.", nullable=True),
)
MEMBERSHIP_KEY: tuple[str, ...] = ("cluster", "enterprise_number", "join_date")

#: Largest plausible price index: 1000 times a base of 100. Belgian deflators since 1990
#: stay within a factor of 3 of their base; beyond 1e5 (1e15, 1e308) is a unit error.
MAX_PRICE_INDEX: float = 1e5

#: Validated deflators, one row per industry x year.
DEFLATOR_COLUMNS: tuple[ColumnContract, ...] = (
    ColumnContract("nace2", "str", "NACE division",
                   "Industry: a NACE two-digit division (\"62\") or an A64 range of divisions "
                   "(\"10-12\"), matched to a firm's division.",
                   pattern=r"^\d{2}(-\d{2})?$"),
    ColumnContract("year", "int64", "year", "Calendar year of the price index.",
                   minimum=1990, maximum=2100),
    ColumnContract("va", "float64", "index (base year = 100)",
                   "Value-added price index; deflates value added.", minimum=1e-9, maximum=MAX_PRICE_INDEX),
    ColumnContract("output", "float64", "index (base year = 100)",
                   "Output price index (kept for gross-output specifications).",
                   nullable=True, minimum=1e-9, maximum=MAX_PRICE_INDEX),
    ColumnContract("intermediate", "float64", "index (base year = 100)",
                   "Intermediate-consumption price index; deflates materials (60 + 61).",
                   nullable=True, minimum=1e-9, maximum=MAX_PRICE_INDEX),
    ColumnContract("investment", "float64", "index (base year = 100)",
                   "Investment (GFCF) price index; deflates capital (22/27) and investment.",
                   nullable=True, minimum=1e-9, maximum=MAX_PRICE_INDEX),
    ColumnContract("base_year", "int64", "year", "Year in which every index equals 100.",
                   minimum=1990, maximum=2100),
    ColumnContract("source", "str", "text",
                   "Provenance of the series (e.g. NBB national accounts, A64 deflators).",
                   pattern=r"\S"),
)
DEFLATOR_KEY: tuple[str, ...] = ("nace2", "year")

#: The NACE-BEL 2008 division list shipped with the package.
NACE_CODE_COLUMNS: tuple[ColumnContract, ...] = (
    ColumnContract("division", "str", "NACE division", "Two-digit NACE-BEL 2008 division.",
                   pattern=r"^\d{2}$", unique=True),
    ColumnContract("section", "str", "NACE section", "Section letter A-U.",
                   pattern=r"^[A-U]$"),
    ColumnContract("title", "str", "text", "Official English title of the division.",
                   pattern=r"\S"),
)


def _schema(name: str, columns: Sequence[ColumnContract], unique: Sequence[str] | None,
            checks: list[pa.Check] | None = None, strict: bool = True,
            for_rows: bool = False) -> pa.DataFrameSchema:
    # ``for_rows``: the schema a reader runs on freshly parsed rows, where integer
    # columns still hold NaN for missing cells (so they are float64 there) and text
    # is still Arrow-backed.
    def column(c: ColumnContract) -> pa.Column:
        if for_rows and c.dtype == "int64":
            return replace(c, dtype="float64").to_pandera()
        return c.to_pandera(arrow_text=for_rows)

    return pa.DataFrameSchema(
        {c.name: column(c) for c in columns},
        checks=checks or [],
        unique=list(unique) if unique else None,
        strict=strict,
        ordered=False,
        name=name,
    )


def _leave_not_before_join(frame: pd.DataFrame) -> pd.Series:
    return frame["leave_date"].isna() | (frame["leave_date"] >= frame["join_date"])


RULE_LEAVE_BEFORE_JOIN = "leave_before_join"


def accounts_schema(*, unique: bool = True, for_rows: bool = False) -> pa.DataFrameSchema:
    """Schema of validated accounts; ``unique=False`` omits the firm-year key check."""
    return _schema("accounts", ACCOUNTS_COLUMNS, ACCOUNTS_KEY if unique else None,
                   for_rows=for_rows)


def membership_schema(*, unique: bool = True, for_rows: bool = False) -> pa.DataFrameSchema:
    """Schema of validated membership spells."""
    return _schema("membership", MEMBERSHIP_COLUMNS, MEMBERSHIP_KEY if unique else None,
                   checks=[pa.Check(_leave_not_before_join, error=RULE_LEAVE_BEFORE_JOIN)],
                   for_rows=for_rows)


def deflators_schema(*, unique: bool = True, for_rows: bool = False) -> pa.DataFrameSchema:
    """Schema of validated deflators."""
    return _schema("deflators", DEFLATOR_COLUMNS, DEFLATOR_KEY if unique else None,
                   for_rows=for_rows)


ACCOUNTS_SCHEMA: pa.DataFrameSchema = accounts_schema()
MEMBERSHIP_SCHEMA: pa.DataFrameSchema = membership_schema()
DEFLATORS_SCHEMA: pa.DataFrameSchema = deflators_schema()
NACE_CODES_SCHEMA: pa.DataFrameSchema = _schema("nace_bel_2008_divisions", NACE_CODE_COLUMNS, None)


def contract_table(columns: Sequence[ColumnContract]) -> pd.DataFrame:
    """A contract as a documentation table (name, dtype, unit, range, nullable, reason)."""
    return pd.DataFrame([c.__dict__ for c in columns])


#: The deflated firm-year panel (study design, sections 2-3), one row per firm-year.
PANEL_COLUMNS: tuple[ColumnContract, ...] = (
    _enterprise_number(),
    ColumnContract("year", "int64", "year", "Accounting year.", minimum=1990, maximum=2100),
    ColumnContract("nace", "str", "NACE-BEL 2008", "Main activity subclass.", pattern=NACE_PATTERN),
    ColumnContract("nace2", "str", "NACE division", "Industry for production functions, deflators, trimming.",
                   pattern=r"^\d{2}$"),
    ColumnContract("region", "str", "category", "Region (VLG after the default sample rules).",
                   allowed=layouts.REGIONS),
    ColumnContract("model", "str", "category", "Filing model.", allowed=layouts.FILING_MODELS),
    ColumnContract("foreign_owned", "boolean", "flag", "Foreign-controlled; empty = unknown.", nullable=True),
    ColumnContract("months", "int64", "months", "Length of the accounting period as filed.", minimum=1, maximum=24),
    ColumnContract("annualised", "bool", "flag", "Flows scaled by 12/months."),
    ColumnContract("va_route", "str", "category",
                   "How value added was derived: full (70+71+72+74-740-60-61) or gross_margin (9900-76A-740).",
                   allowed=("full", "gross_margin")),
    ColumnContract("va_nominal", "float64", "EUR", "Value added at current prices."),
    ColumnContract("va", "float64", "EUR (base-year prices)",
                   "Real value added: nominal deflated by the industry value-added index.", minimum=1e-9),
    ColumnContract("fte", "float64", "FTE", "Employment: 1003 (social balance sheet), else 9087 (notes).",
                   minimum=0),
    ColumnContract("capital", "float64", "EUR (base-year prices)",
                   "Real capital: tangible fixed assets 22/27 deflated by the investment index.", minimum=1e-9),
    ColumnContract("materials", "float64", "EUR (base-year prices)",
                   "Real intermediate inputs 60+61 deflated by the intermediate index; NaN where not reported "
                   "(abbreviated and micro filers).", nullable=True),
    ColumnContract("wage_bill", "float64", "EUR", "Remuneration and social charges (62), current prices.",
                   nullable=True),
    ColumnContract("investment", "float64", "EUR (base-year prices)",
                   "Real gross investment: change in 22/27 plus depreciation 630, deflated by the investment "
                   "index; NaN without the previous year's filing. Proxy of Olley-Pakes.", nullable=True),
    ColumnContract("log_va", "float64", "log EUR", "log(va).", nullable=True),
    ColumnContract("log_fte", "float64", "log FTE", "log(fte).", nullable=True),
    ColumnContract("log_capital", "float64", "log EUR", "log(capital).", nullable=True),
    ColumnContract("log_materials", "float64", "log EUR", "log(materials); NaN where materials <= 0 or absent "
                   "(the proxy of Levinsohn-Petrin / ACF).", nullable=True),
    ColumnContract("age", "int64", "years", "Years since the firm's first filing in the accounts.", minimum=0),
)
PANEL_KEY: tuple[str, ...] = ("enterprise_number", "year")


def panel_schema() -> pa.DataFrameSchema:
    """Schema of the deflated firm-year panel."""
    return _schema("firm_year_panel", PANEL_COLUMNS, PANEL_KEY)


PANEL_SCHEMA: pa.DataFrameSchema = panel_schema()
