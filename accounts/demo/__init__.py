"""Deterministic demo data for trying Tierline and for benchmarks.

`demo_data_generate` is the entry point; the management command
`generate_demo_data` wraps it.
"""

from .frames import BLOCK_SIZE, DEMO_DATA_VERSION, fit_score
from .services import DemoDataError, DemoDataResult, demo_data_generate, rep_username, sales_reps_ensure

__all__ = [
    "BLOCK_SIZE",
    "DEMO_DATA_VERSION",
    "DemoDataError",
    "DemoDataResult",
    "demo_data_generate",
    "fit_score",
    "rep_username",
    "sales_reps_ensure",
]
