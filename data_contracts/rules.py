"""Every quarantine rule, with what it means: the vocabulary of ``rejected.rule``."""

from __future__ import annotations

#: Rule name -> explanation (shown by ``cluster-impact validate`` users' documentation).
RULES: dict[str, str] = {
    "wrong_field_count": "the record has more or fewer fields than the header (e.g. a truncated line); "
                         "the column is the first missing field",
    "required_missing": "a required cell is empty",
    "not_a_number": "an amount is not a number in the file's decimal convention",
    "not_an_integer": "a whole number (months, year) is not one",
    "not_a_date": "a date is neither ISO (2020-12-31) nor day-first (31/12/2020, 31-12-2020, 31.12.2020)",
    "impossible_date": "a date whose day its month does not have (2019-02-31, 31/02/2019, 29/02/2019); "
                       "rejected, never rolled over into the next month",
    "not_a_flag": "a 0/1 flag is not one of 0, 1, true, false, yes, no, ja, nee, oui, non",
    "enterprise_number_format": "not a ten-digit enterprise number in any accepted spelling, or first digit 9",
    "enterprise_number_establishment_unit": "first digit 2-8: an establishment unit, not an enterprise",
    "enterprise_number_checksum": "the last two digits are not 97 - (first eight digits mod 97)",
    "nace_format": "the activity code is not NACE-BEL NN.NNN (or NNNNN)",
    "nace_unknown_division": "the first two digits are not a NACE-BEL 2008 division",
    "not_allowed_value": "a category outside the contract's list (model, region, cluster, member type)",
    "negative_value": "an amount or count that cannot be negative is negative",
    "below_minimum": "a value below the contract's minimum (e.g. a non-positive price index, a year before 1990, "
                     "an amount below -1e12 EUR)",
    "above_maximum": "a value above the contract's maximum (e.g. more than 24 months, over 1e6 FTE, an amount "
                     "over 1e12 EUR, a price index over 1e5): implausible magnitudes are unit or export errors",
    "bad_format": "text that does not match the contract's pattern (e.g. an industry code)",
    "leave_before_join": "a membership ends before it starts",
    "superseded_filing": "a later deposit for the same enterprise and accounting year replaces this filing",
    "non_annual_period": "the accounting period is not 12 months and the reader was told to reject those",
    "rubric_unknown": "long layout: the rubric code is not one of the canonical rubrics",
    "duplicate_rubric": "long layout: the rubric appears again later in the same filing (the later row is kept)",
    "filing_has_rejected_row": "long layout: another row of the same filing was rejected, so the filing is incomplete",
    "inconsistent_filing_attributes": "long layout: rows of one filing disagree on months, model, NACE, region "
                                      "or foreign ownership",
    "duplicate_membership": "the same cluster, enterprise and join date appear again later (the later row is kept)",
    "duplicate_industry_year": "the same industry and year appear again later (the later row is kept)",
}
