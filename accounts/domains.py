"""Normalization of web domains, the fallback match key for accounts."""

from urllib.parse import urlsplit


def normalize_domain(value):
    """Reduce a URL or host name to its bare domain.

    "https://WWW.Example.com/about" becomes "example.com". Returns "" for a
    blank value. A port, user info, path and trailing dot are dropped.
    """
    if value is None:
        return ""
    text = str(value).strip().lower()
    if not text:
        return ""
    if "://" not in text:
        text = "//" + text
    host = urlsplit(text).hostname or ""
    host = host.strip(".")
    if host.startswith("www."):
        host = host[4:]
    return host
