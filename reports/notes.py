"""Table footnotes generated from the study specification."""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.disclosure import DisclosureRules
from reports.errors import ReportError


@dataclass(frozen=True)
class StudyNotes:
    """What every footnote states: sample, estimator, standard errors, disclosure.

    Parameters
    ----------
    sample
        One sentence on the sample, e.g. ``"Flemish non-financial corporations,
        2012-2024, >= 1 FTE"``.
    estimator
        The TFP estimator and the effect estimator(s), e.g. ``"TFP: Ackerberg-Caves-
        Frazer (2015) by NACE 2-digit industry"``.
    se_clustering
        How standard errors are computed, e.g. ``"clustered by firm"``.
    source
        Data source line (optional).
    extra
        Further sentences appended to every footnote.
    """

    sample: str
    estimator: str
    se_clustering: str = "clustered by firm"
    source: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("sample", "estimator", "se_clustering"):
            if not str(getattr(self, name)).strip():
                raise ReportError(f"StudyNotes.{name} must not be empty")
        object.__setattr__(self, "extra", tuple(self.extra))

    def footnote(
        self,
        *specific: str,
        rules: DisclosureRules | None = None,
        significance: bool = False,
        standard_errors: bool = False,
    ) -> str:
        """The footnote of one table: table-specific sentences first, then the study's.

        ``significance`` adds the star legend, ``standard_errors`` the SE sentence;
        ``rules`` adds the disclosure sentence with the thresholds applied.
        """
        parts = [s.strip() for s in specific if s and s.strip()]
        parts.append(f"Sample: {self.sample.strip().rstrip('.')}.")
        parts.append(f"Estimator: {self.estimator.strip().rstrip('.')}.")
        if standard_errors:
            parts.append(f"Standard errors in parentheses, {self.se_clustering.strip().rstrip('.')}.")
        if significance:
            parts.append("* p<0.10, ** p<0.05, *** p<0.01.")
        if rules is not None:
            parts.append(
                f"Cells marked {rules.marker} are suppressed (disclosure control: at least "
                f"{rules.min_firms} firms, top-2 share at most {rules.dominance_top2_share:.0%}, "
                f"p% rule with p = {rules.p_percent:.0%}, residual df at least {rules.min_residual_df}, "
                f"every dummy at least {rules.min_dummy_firms} firms, secondary suppression of totals)."
            )
        if self.source.strip():
            parts.append(f"Source: {self.source.strip().rstrip('.')}.")
        parts.extend(s.strip() for s in self.extra if s.strip())
        return " ".join(parts)
