"""Read-only queries over import records and synonym tables."""

from accounts.models import ImportRun, Synonym


def import_run_list():
    """Return imports newest first, without the stored file and report."""
    return ImportRun.objects.select_related("created_by").defer("content", "report")


def import_run_get(*, import_run_id):
    return ImportRun.objects.select_related("created_by").defer("content").get(pk=import_run_id)


def synonym_list(*, kind=None, search=""):
    entries = Synonym.objects.select_related("updated_by")
    if kind:
        entries = entries.filter(kind=kind)
    if search:
        entries = entries.filter(synonym__icontains=search.strip().lower()) | entries.filter(value__icontains=search.strip())
    return entries.order_by("kind", "synonym")
