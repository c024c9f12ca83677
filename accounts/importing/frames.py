"""Small pandas helpers shared by parsing and the upsert."""

import re

import numpy as np
import pandas as pd

from accounts.domains import normalize_domain

NORMALIZED_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
# Scheme, user info and www. before the host; port, path, query and fragment after it.
_URL_HOST = r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(?:www\.)?([^/?#:]*)"


def is_blank(value):
    return value is None or (isinstance(value, float) and value != value)


def object_map(series, mapping):
    """Map values through a dict or function and keep Python objects; blanks and unmapped values give None.

    Series.map would turn whole numbers with gaps into floats (125 into 125.0),
    which an integer column then refuses. A function is called once per
    distinct value.
    """
    if not isinstance(mapping, dict):
        mapping = {value: mapping(value) for value in pd.unique(series.dropna())}
    if not mapping:
        return pd.Series(None, index=series.index, dtype=object)
    results = np.empty(len(mapping) + 1, dtype=object)
    for position, value in enumerate(mapping.values()):
        results[position] = value  # one by one, so tuples and lists stay single objects
    results[-1] = None
    # tupleize_cols=False keeps tuple values as single keys instead of building a MultiIndex.
    keys = pd.Index(list(mapping.keys()), dtype=object, tupleize_cols=False)
    positions = keys.get_indexer(pd.Index(series.to_numpy(dtype=object), dtype=object, tupleize_cols=False))
    return pd.Series(results[positions], index=series.index, dtype=object)


def normalize_domains(series):
    """Normalize a column of URLs or host names like normalize_domain, column-wise.

    The common forms (scheme, www., path, port) are handled with vectorized
    string operations; anything else goes through normalize_domain itself.
    Returns None where nothing is left.
    """
    present = series.dropna().astype(str)
    if present.empty:
        return pd.Series(None, index=series.index, dtype=object)
    if (present.str.fullmatch(NORMALIZED_DOMAIN.pattern) & ~present.str.startswith("www.")).all():
        return series.astype(object).where(series.notna(), None)
    host = present.str.strip().str.lower().str.extract(_URL_HOST, expand=False)
    text = host.str.strip(".")
    simple = text.str.fullmatch(NORMALIZED_DOMAIN.pattern).fillna(False).astype(bool)
    if not simple.all():
        text[~simple] = present[~simple].map(normalize_domain)
    text = text.where(text != "", None)
    return text.reindex(series.index).astype(object).where(lambda values: values.notna(), None)
