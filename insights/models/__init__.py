from .combinations import AccountCombination, CombinationBuild, SegmentCombination, SegmentCombinationMember
from .figures import ExchangeRate, Spend
from .snapshots import Grouping, KpiSnapshot
from .touches import StayTouch, TouchChange

__all__ = [
    "AccountCombination",
    "CombinationBuild",
    "ExchangeRate",
    "Grouping",
    "KpiSnapshot",
    "SegmentCombination",
    "SegmentCombinationMember",
    "Spend",
    "StayTouch",
    "TouchChange",
]
