"""The KPI table: SQL aggregates per group, converted and shaped with pandas."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..currency import convert_frame, rates_on
from ..models import Grouping
from . import queries
from .facts import ARR_COLUMNS, COUNT_COLUMNS, DEAL_COLUMNS, current_figures
from .definitions import DEAL_KPIS, KPIS
from .queries import BASIS_CURRENT, BASIS_ENTRY, TOTAL, UNASSIGNED

DEAL_MONEY = ["created_amount", "open_amount", "won_amount"]
ARR_MONEY = ["opening_arr", "closing_arr", "expansion_arr", "contraction_arr", "churned_arr"]

# The figure each KPI's sample size is read from.
SAMPLE_COLUMNS = {
    "accounts": "accounts",
    "pipeline_created": "created_n",
    "open_pipeline": "open_n",
    "win_rate": "closed_n",
    "avg_deal_size": "won_amount_n",
    "sales_cycle_days": "cycle_n",
    "nrr": "arr_accounts",
    "gross_churn": "arr_accounts",
    "expansion_rate": "arr_accounts",
    "response_rate": "entries",
    "speed_to_engage_hours": "answered",
    "meeting_acceptance": "touched_accounts",
    "cac": "new_customers",
}


@dataclass
class KpiRow:
    key: str
    label: str
    values: dict
    samples: dict
    kind: str = "group"  # group, unassigned or total

    def cells(self):
        """Pairs of (KPI, value, sample size) in catalogue order."""
        return [(kpi, self.values.get(kpi.key), self.samples.get(kpi.key, 0)) for kpi in KPIS]


@dataclass
class KpiTable:
    grouping: str
    period: object
    basis: str
    currency: str
    rows: list
    notes: list = field(default_factory=list)
    kpis: list = field(default_factory=lambda: list(KPIS))

    def frame(self):
        """Return one row per group with a column per KPI, for CSV export and the API."""
        records = []
        for row in self.rows:
            record = {"group_key": row.key, "group": row.label, "row_kind": row.kind}
            for kpi in self.kpis:
                record[kpi.key] = row.values.get(kpi.key)
                record[f"{kpi.key}_n"] = row.samples.get(kpi.key, 0)
            records.append(record)
        return pd.DataFrame.from_records(records)


def kpi_table(*, grouping, period, basis=BASIS_CURRENT):
    """Compute every KPI for each group of a grouping over one period."""
    if basis not in queries.BASES:
        raise ValueError(f"Unknown basis {basis!r}: use current or entry.")
    with queries.analytics_settings():
        return _kpi_table(grouping, period, basis)


def _kpi_table(grouping, period, basis):
    rates = rates_on(period.end)
    notes = []

    if basis == BASIS_CURRENT:
        combined, has_unassigned = current_figures(grouping, period)
        unassigned = pd.DataFrame() if has_unassigned else queries.unassigned_deal_figures(grouping, period, basis)
        money, counts = combined, combined
        if not combined.empty:
            # Deal and ARR facts carry a currency; meeting and new-customer facts do not.
            money = combined.loc[combined["currency"].notna(), ["group_key", "currency", *DEAL_COLUMNS, *ARR_COLUMNS]]
            counts = combined.loc[combined["currency"].isna(), ["group_key", *COUNT_COLUMNS]]
        families = [
            _sum_converted(queries.concat_frames(money, unassigned), rates, DEAL_MONEY + ARR_MONEY, notes),
            _sum_counts(counts, COUNT_COLUMNS),
        ]
    else:
        families = [
            _sum_converted(queries.deal_figures(grouping, period, basis), rates, DEAL_MONEY, notes),
            _sum_converted(queries.arr_figures(grouping, period, basis), rates, ARR_MONEY, notes),
            queries.meeting_figures(grouping, period, basis),
            queries.new_customer_figures(grouping, period, basis),
        ]
    figures = _join_frames(
        *families,
        queries.account_counts(grouping, period, basis),
        queries.response_figures(grouping, period),
        _spend_by_group(grouping, period, rates, notes),
    )
    values = compute_kpis(figures)

    opening_present, closing_present = queries.arr_months_present(period)
    if not closing_present:
        notes.append(f"No ARR figures exist for {period.last_month:%Y-%m}, so NRR, gross churn and expansion are empty.")
        values.loc[:, ["nrr", "gross_churn", "expansion_rate"]] = np.nan
    elif not opening_present:
        notes.append(f"No ARR figures exist for {period.month_before:%Y-%m}, the month before the period.")

    rows = _rows(grouping, values)
    return KpiTable(
        grouping=grouping.grouping, period=period, basis=basis, currency=rates.target, rows=rows,
        notes=list(dict.fromkeys(notes)),
    )


def _sum_counts(frame, columns):
    if frame.empty:
        return pd.DataFrame()
    numeric = frame[columns].apply(pd.to_numeric, errors="coerce")
    numeric["group_key"] = frame["group_key"].astype(str)
    return numeric.groupby("group_key").sum(min_count=1)


def _sum_converted(frame, rates, money_columns, notes):
    """Convert per-currency sums, then add the currencies of each group together."""
    if frame.empty:
        return pd.DataFrame()
    frame = frame.copy()
    frame["group_key"] = frame["group_key"].astype(str)
    money_columns = [column for column in money_columns if column in frame]
    squared = ["won_amount_sq"] if "won_amount_sq" in frame else []
    missing = convert_frame(frame, rates, money_columns=money_columns, squared_columns=squared)
    if "won_amount_n" in frame:
        # Deals in a currency without a rate cannot enter an average of converted amounts.
        frame.loc[frame["won_amount"].isna() & (frame["won_amount_n"] > 0), "won_amount_n"] = 0
    for currency in sorted(missing):
        notes.append(
            f"Amounts in {currency} are left out of money figures: no exchange rate to {rates.target} is in force "
            f"on {rates.day}. Add a rate to include them."
        )
    numeric = frame.drop(columns=["currency", "group_key"]).apply(pd.to_numeric, errors="coerce")
    numeric["group_key"] = frame["group_key"]
    return numeric.groupby("group_key").sum(min_count=1)


def _spend_by_group(grouping, period, rates, notes):
    spend = queries.spend_figures(period)
    if spend.empty or grouping.grouping == Grouping.TIER:
        return pd.DataFrame()
    missing = convert_frame(spend, rates, money_columns=["spend"])
    for currency in sorted(missing):
        notes.append(f"Spend in {currency} is left out of CAC: no exchange rate to {rates.target} is in force.")
    if grouping.grouping == Grouping.SEGMENT:
        spend = spend[spend["segment_id"].notna()]
        spend["group_key"] = spend["segment_id"].astype(int).astype(str)
    else:
        by_slug = {group.slug: str(group.key) for group in grouping.groups}
        spend = spend[spend["program"].isin(by_slug)]
        spend["group_key"] = spend["program"].map(by_slug)
    keys = {str(key) for key in grouping.keys}
    spend = spend[spend["group_key"].isin(keys)]
    per_group = spend.groupby("group_key")["spend"].sum(min_count=1).to_frame()
    per_group.loc[TOTAL, "spend"] = spend["spend"].sum(min_count=1)
    return per_group


def _join_frames(*frames):
    indexed = []
    for frame in frames:
        if frame is None or frame.empty:
            continue
        if "group_key" in frame.columns:
            frame = frame.assign(group_key=frame["group_key"].astype(str)).set_index("group_key")
        indexed.append(frame.apply(pd.to_numeric, errors="coerce"))
    if not indexed:
        return pd.DataFrame()
    return pd.concat(indexed, axis=1)


def _column(frame, name):
    if name in frame.columns:
        return frame[name].astype(float)
    return pd.Series(np.nan, index=frame.index, dtype=float)


def _ratio(numerator, denominator):
    return numerator.where(denominator > 0) / denominator.where(denominator > 0)


def compute_kpis(figures):
    """Turn summed figures into KPI values; counts that are absent mean zero, ratios over zero are empty."""
    counts = lambda name: _column(figures, name).fillna(0)  # noqa: E731
    out = pd.DataFrame(index=figures.index)
    out["accounts"] = counts("accounts")
    out["created_n"] = counts("created_n")
    out["pipeline_created"] = _column(figures, "created_amount").fillna(0)
    out["open_n"] = counts("open_n")
    out["open_pipeline"] = _column(figures, "open_amount").fillna(0)
    out["closed_n"] = counts("won_n") + counts("lost_n")
    out["win_rate"] = _ratio(counts("won_n"), out["closed_n"])
    out["won_amount_n"] = counts("won_amount_n")
    out["avg_deal_size"] = _ratio(_column(figures, "won_amount"), out["won_amount_n"])
    out["cycle_n"] = counts("cycle_n")
    out["sales_cycle_days"] = _ratio(_column(figures, "cycle_sum"), out["cycle_n"])

    opening = _column(figures, "opening_arr")
    out["arr_accounts"] = counts("arr_accounts")
    out["nrr"] = _ratio(_column(figures, "closing_arr"), opening)
    lost = _column(figures, "churned_arr").fillna(0) + _column(figures, "contraction_arr").fillna(0)
    out["gross_churn"] = _ratio(lost, opening)
    out["expansion_rate"] = _ratio(_column(figures, "expansion_arr"), opening)

    out["entries"] = counts("entries")
    out["answered"] = counts("answered")
    out["response_rate"] = _ratio(out["answered"], out["entries"])
    out["speed_to_engage_hours"] = _ratio(_column(figures, "touch_hours"), out["answered"])
    out["touched_accounts"] = counts("touched_accounts")
    out["meeting_acceptance"] = _ratio(counts("met_accounts"), out["touched_accounts"])

    out["new_customers"] = counts("new_customers")
    out["spend"] = _column(figures, "spend")
    out["cac"] = _ratio(out["spend"], out["new_customers"])
    return out


def _value(values, key, name):
    if key not in values.index:
        return None
    value = values.at[key, name]
    return None if pd.isna(value) else float(value)


def _rows(grouping, values):
    rows = []
    for group in grouping.groups:
        rows.append(_row(str(group.key), group.label, values, "group", [kpi.key for kpi in KPIS]))
    rows.append(_row(UNASSIGNED, "Unassigned", values, "unassigned", list(DEAL_KPIS)))
    rows.append(_row(TOTAL, "All accounts", values, "total", [kpi.key for kpi in KPIS]))
    return rows


def _row(key, label, values, kind, kpi_keys):
    row_values, samples = {}, {}
    for kpi_key in kpi_keys:
        sample = _value(values, key, SAMPLE_COLUMNS[kpi_key]) or 0
        value = _value(values, key, kpi_key)
        if value is None and kpi_key in ("accounts", "pipeline_created", "open_pipeline"):
            value = 0.0
        row_values[kpi_key] = value
        samples[kpi_key] = int(sample)
    return KpiRow(key=key, label=label, values=row_values, samples=samples, kind=kind)


__all__ = ["BASIS_CURRENT", "BASIS_ENTRY", "KpiRow", "KpiTable", "kpi_table", "compute_kpis"]
