from .combinations import AccountCombination, CombinationBuild, SegmentCombination, SegmentCombinationMember
from .figures import ExchangeRate, Spend
from .snapshots import Grouping, KpiSnapshot
from .touches import SegmentEntryCount, StayTouch, TouchChange

__all__ = [
    "AccountCombination",
    "CombinationBuild",
    "ExchangeRate",
    "Grouping",
    "KpiSnapshot",
    "SegmentCombination",
    "SegmentCombinationMember",
    "SegmentEntryCount",
    "Spend",
    "StayTouch",
    "TouchChange",
]
