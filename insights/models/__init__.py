from .combinations import AccountCombination, CombinationBuild, SegmentCombination, SegmentCombinationMember
from .figures import ExchangeRate, Spend
from .snapshots import Grouping, KpiSnapshot
from .touches import AccountTouchYear, SegmentEntryCount, StayTouch, TouchChange, TouchState

__all__ = [
    "AccountCombination",
    "AccountTouchYear",
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
    "TouchState",
]
