"""Small pandas helpers shared by parsing and the upsert."""

import pandas as pd


def is_blank(value):
    return value is None or (isinstance(value, float) and value != value)


def object_map(series, mapping):
    """Map values through a dict or function and keep Python objects.

    Series.map would turn whole numbers with gaps into floats (125 into 125.0),
    which an integer column then refuses.
    """
    lookup = mapping.get if isinstance(mapping, dict) else mapping
    values = [None if is_blank(value) else lookup(value) for value in series]
    return pd.Series(values, index=series.index, dtype=object)
