"""Overlap between segments: shared current members and the Jaccard index of each pair."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.models import SegmentMembership

from .kpis.queries import fetch_frame
from .kpis.groups import SegmentGrouping

MEMBERSHIP_TABLE = SegmentMembership._meta.db_table


@dataclass
class Overlap:
    segments: list  # Segment objects in display order
    sizes: dict  # segment id -> current members
    shared: pd.DataFrame  # segment id x segment id -> shared members (diagonal: size)
    jaccard: pd.DataFrame  # segment id x segment id -> shared / union

    def pairs(self):
        """Return every pair once, most similar first: (segment a, segment b, shared, Jaccard)."""
        rows = []
        for i, first in enumerate(self.segments):
            for second in self.segments[i + 1 :]:
                rows.append((first, second, int(self.shared.at[first.pk, second.pk]), float(self.jaccard.at[first.pk, second.pk])))
        return sorted(rows, key=lambda row: (-row[3], -row[2], row[0].name, row[1].name))

    def closest(self, segment):
        """Return the other segment with the highest Jaccard index and that index, or (None, 0.0) when alone."""
        best, best_index = None, 0.0
        for other in self.segments:
            if other.pk != segment.pk and self.jaccard.at[segment.pk, other.pk] > best_index:
                best, best_index = other, float(self.jaccard.at[segment.pk, other.pk])
        return best, best_index


def overlap_matrix(*, segments):
    """Count the current members of each segment and the members each pair of segments shares."""
    ids = [segment.pk for segment in segments]
    if not ids:
        empty = pd.DataFrame()
        return Overlap(segments=[], sizes={}, shared=empty, jaccard=empty)
    placeholders = ", ".join(["%s"] * len(ids))
    combinations = SegmentGrouping(segments).combinations()
    if combinations is None:
        sizes_frame, pairs_frame = _membership_counts(ids, placeholders)
    else:
        sizes_frame, pairs_frame = _combination_counts(combinations)
    sizes = {segment_id: 0 for segment_id in ids}
    sizes.update({int(row.segment_id): int(row.members) for row in sizes_frame.itertuples()})

    shared = pd.DataFrame(0, index=ids, columns=ids, dtype="int64")
    for segment_id, size in sizes.items():
        shared.at[segment_id, segment_id] = size
    for row in pairs_frame.itertuples():
        shared.at[int(row.first_id), int(row.second_id)] = int(row.shared)
        shared.at[int(row.second_id), int(row.first_id)] = int(row.shared)

    size_series = pd.Series(sizes, dtype="float64")
    union = size_series.to_numpy()[:, None] + size_series.to_numpy()[None, :] - shared.to_numpy()
    ratios = np.zeros(union.shape)
    nonzero = union > 0
    ratios[nonzero] = shared.to_numpy()[nonzero] / union[nonzero]
    jaccard = pd.DataFrame(ratios, index=ids, columns=ids)
    return Overlap(segments=list(segments), sizes=sizes, shared=shared, jaccard=jaccard)


def _membership_counts(ids, placeholders):
    sizes = fetch_frame(
        f"SELECT m.segment_id AS segment_id, COUNT(*) AS members FROM {MEMBERSHIP_TABLE} m "
        f"WHERE m.exited_at IS NULL AND m.account_id IS NOT NULL AND m.segment_id IN ({placeholders}) "
        f"GROUP BY m.segment_id",
        ids,
    )
    pairs = fetch_frame(
        f"SELECT a.segment_id AS first_id, b.segment_id AS second_id, COUNT(*) AS shared "
        f"FROM {MEMBERSHIP_TABLE} a JOIN {MEMBERSHIP_TABLE} b "
        f"ON b.account_id = a.account_id AND b.segment_id > a.segment_id AND b.exited_at IS NULL "
        f"WHERE a.exited_at IS NULL AND a.account_id IS NOT NULL "
        f"AND a.segment_id IN ({placeholders}) AND b.segment_id IN ({placeholders}) "
        f"GROUP BY a.segment_id, b.segment_id",
        [*ids, *ids],
    )
    return sizes, pairs


def _combination_counts(combinations):
    """Count the same from the segment combinations: accounts per combination, added up per segment and pair."""
    accounts, accounts_params = combinations.sizes
    groups, groups_params = combinations.groups
    sizes = fetch_frame(
        f"SELECT a.group_key AS segment_id, SUM(n.accounts) AS members FROM ({accounts}) n "
        f"JOIN ({groups}) a ON a.combination_id = n.combination_id GROUP BY a.group_key",
        (*accounts_params, *groups_params),
    )
    pairs = fetch_frame(
        f"SELECT a.group_key AS first_id, b.group_key AS second_id, SUM(n.accounts) AS shared FROM ({accounts}) n "
        f"JOIN ({groups}) a ON a.combination_id = n.combination_id "
        f"JOIN ({groups}) b ON b.combination_id = n.combination_id AND b.group_key > a.group_key "
        f"GROUP BY a.group_key, b.group_key",
        (*accounts_params, *groups_params, *groups_params),
    )
    return sizes, pairs
