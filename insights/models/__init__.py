from .figures import ExchangeRate, Spend
from .snapshots import Grouping, KpiSnapshot

__all__ = ["ExchangeRate", "Grouping", "KpiSnapshot", "Spend"]
