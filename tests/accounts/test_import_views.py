"""The import and synonym pages: who may use them, the upload, progress, result and report."""

import time

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account, ImportRun, ImportStatus, Synonym

pytestmark = pytest.mark.django_db

CSV = b"id,name,domain,country\n1,Acme,acme.com,USA\n2,Globex,not a domain,Narnia\n"


def user_with_role(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, password="pw-for-tests-only")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def revops(client, django_user_model):
    user = user_with_role(django_user_model, "revops", "RevOps")
    client.force_login(user)
    return user


@pytest.fixture
def sales(client, django_user_model):
    user = user_with_role(django_user_model, "rep", "Sales")
    client.force_login(user)
    return user


def upload(client, content=CSV, **fields):
    data = {"kind": "accounts", "file": SimpleUploadedFile("accounts.csv", content, "text/csv"), **fields}
    return client.post(reverse("accounts:import_upload"), data)


@pytest.mark.parametrize("name", ["accounts:import_list", "accounts:import_upload", "accounts:synonym_list"])
def test_pages_need_sign_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["accounts:import_upload", "accounts:synonym_list"])
def test_other_roles_cannot_import_or_edit_synonyms(client, sales, name):
    assert client.get(reverse(name)).status_code == 403


def test_other_roles_cannot_post_upload_or_delete_synonym(client, sales):
    synonym = Synonym.objects.first()

    assert upload(client).status_code == 403
    assert client.post(reverse("accounts:synonym_delete", args=[synonym.pk])).status_code == 403
    assert ImportRun.objects.count() == 0
    assert Synonym.objects.filter(pk=synonym.pk).exists()


def test_other_roles_see_history_without_import_link(client, sales):
    ImportRun.objects.create(kind="accounts", file_name="old.csv", status=ImportStatus.SUCCEEDED, created=3)

    response = client.get(reverse("accounts:import_list"))

    assert response.status_code == 200
    assert b"old.csv" in response.content
    assert reverse("accounts:import_upload").encode() not in response.content


def test_upload_runs_import_and_shows_result(client, revops, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:import_detail", args=[run.pk])
    assert run.status == ImportStatus.SUCCEEDED
    assert (run.created, run.rejected, run.created_by) == (1, 1, revops)
    assert run.content is None
    assert Account.objects.get().name == "Acme"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"not a web domain" in page.content
    assert reverse("accounts:import_report", args=[run.pk]).encode() in page.content


def test_unknown_values_link_to_synonym_form(client, revops, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, b"id,name,country\n1,Acme,Narnia\n")

    page = client.get(reverse("accounts:import_detail", args=[ImportRun.objects.get().pk]))

    assert b"Narnia" in page.content
    assert b"add_kind=country&amp;synonym=Narnia" in page.content


def test_report_download(client, revops, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client)
    run = ImportRun.objects.get()

    response = client.get(reverse("accounts:import_report", args=[run.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="accounts-report-' in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "line,column,value,outcome,reason"
    assert lines[1].startswith("3,country,Narnia,left blank,")
    assert lines[2].startswith("3,domain,not a domain,rejected,")


def test_progress_fragment_polls_until_finished(client, revops):
    run = ImportRun.objects.create(kind="accounts", file_name="a.csv", status=ImportStatus.RUNNING, progress=40,
                                   progress_step="Parsing values", created_by=revops)
    url = reverse("accounts:import_progress", args=[run.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in running.content
    assert b'value="40"' in running.content
    assert "HX-Refresh" not in running

    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.SUCCEEDED, progress=100)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert b"hx-trigger" not in finished.content
    assert finished["HX-Refresh"] == "true"


def test_detail_page_loads_htmx_from_the_app(client, revops):
    run = ImportRun.objects.create(kind="accounts", file_name="a.csv", status=ImportStatus.QUEUED)

    page = client.get(reverse("accounts:import_detail", args=[run.pk]))

    assert b"django-htmx" in page.content or b"htmx" in page.content
    assert b"unpkg.com" not in page.content
    assert b"cdn" not in page.content.lower()


def test_upload_rejects_bad_form_input(client, revops):
    bad_json = upload(client, mapping="{not json")
    not_object = upload(client, mapping="[1, 2]")
    bad_unit = upload(client, mapping='{"columns": {}, "units": {"annual_revenue": "lakhs"}}')
    bad_currency = upload(client, currency="XYZ")
    empty = upload(client, content=b"")

    for response, message in [
        (bad_json, b"not valid JSON"),
        (not_object, b"must be a JSON object"),
        (bad_unit, b"The unit &#x27;lakhs&#x27;"),
        (bad_currency, b"not an ISO 4217 currency code"),
        (empty, b"The submitted file is empty"),
    ]:
        assert response.status_code == 400
        assert message in response.content
    assert ImportRun.objects.count() == 0


def test_unknown_mapping_target_fails_run(client, revops, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, mapping='{"name": "company_title"}')

    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert "not a field of accounts" in run.error
    page = client.get(reverse("accounts:import_detail", args=[run.pk]))
    assert b"not a field of accounts" in page.content


def test_unknown_import_is_404(client, revops):
    assert client.get(reverse("accounts:import_detail", args=[999])).status_code == 404


def test_synonym_add_normalizes_and_validates(client, revops):
    url = reverse("accounts:synonym_list")

    saved = client.post(url, {"kind": "country", "synonym": "  The   Philippine Islands ", "value": "ph"})
    invalid = client.post(url, {"kind": "country", "synonym": "Atlantis", "value": "Atlantis"})
    bad_choice = client.post(url, {"kind": "seniority", "synonym": "boss", "value": "emperor"})

    assert saved.status_code == 302
    entry = Synonym.objects.get(synonym="the philippine islands")
    assert (entry.value, entry.updated_by) == ("PH", revops)
    assert invalid.status_code == 400
    assert b"not an ISO 3166-1 alpha-2" in invalid.content
    assert bad_choice.status_code == 400
    assert b"c_level" in bad_choice.content


def test_synonym_delete(client, revops):
    entry = Synonym.objects.get(kind="country", synonym="usa")

    response = client.post(reverse("accounts:synonym_delete", args=[entry.pk]),
                           {"next": "https://elsewhere.example/"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:synonym_list")
    assert not Synonym.objects.filter(pk=entry.pk).exists()


def test_synonym_list_filters(client, revops):
    response = client.get(reverse("accounts:synonym_list"), {"kind": "country", "q": "holland"})

    assert response.status_code == 200
    assert b"holland" in response.content
    assert b"economic_buyer" not in response.content


@pytest.mark.celery_worker
# The worker is another process, so the data must be committed; serialized_rollback restores the
# groups and synonyms that migrations create once the test has flushed the tables.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_through_real_worker(client, django_user_model):
    user = user_with_role(django_user_model, "worker-revops", "RevOps")
    client.force_login(user)

    response = upload(client)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.5)
    assert run.status == ImportStatus.SUCCEEDED, run.error
    assert (run.created, run.rejected) == (1, 1)
    assert Account.objects.get().external_id == "1"
