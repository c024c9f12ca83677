"""RevOps builds and publishes a segment in the browser; a rep then sees it on their accounts."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Account, Contact
from accounts.roles import ROLE_GROUPS
from segmentation.models import Segment, SegmentStatus

from .conftest import LAPTOP, TABLET, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-test-password"


def make_user(username, role):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[role])[0])
    return user


@pytest.fixture
def people_and_accounts(db):
    revops = make_user("olga", "revops")
    rep = make_user("rita", "sales")
    accounts = [
        ("Acme Robotics", "Software", "DE", 1, 92, rep),
        ("Bosch Cloud", "Software", "AT", 2, 71, rep),
        ("Contoso", "Software", "US", 1, 88, rep),
        ("Dunder Paper", "Paper", "DE", 3, 30, rep),
        ("Evil Corp", "Software", "FR", None, 12, revops),
    ]
    for name, industry, country, tier, score, owner in accounts:
        Account.objects.create(
            name=name, industry=industry, country=country, icp_tier=tier, icp_score=score, owner=owner,
            lifecycle_stage="prospect",
        )
    acme = Account.objects.get(name="Acme Robotics")
    Contact.objects.create(account=acme, first_name="Eva", last_name="Buyer", buying_role="economic_buyer")
    return revops, rep


def rebuild(page, action):
    """Run an action that re-renders the rule builder, and wait until htmx has swapped the new builder in.

    Typing before the swap would put the text into inputs that the swap then replaces.
    """
    with page.expect_response(lambda response: "/builder/" in response.url):
        action()
    htmx_idle(page)


def htmx_idle(page):
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def wait_for_count(page, expected):
    page.wait_for_function(
        "expected => { const e = document.querySelector('#preview-count'); return e && Number(e.dataset.count) === expected; }",
        arg=expected,
    )


def test_revops_publishes_segment_rep_sees_it(live_server, new_page, people_and_accounts):
    page = new_page(LAPTOP)
    sign_in(page, live_server, "olga", PASSWORD)

    # RevOps starts a segment: the editor opens with one condition.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="New segment").click()
    page.get_by_label("Name").fill("DACH software")
    rebuild(page, lambda: page.locator("#r_0-field").select_option("industry"))
    page.locator("#r_0-value").fill("Software")
    # Tab moves on as a keyboard user would, and closes the suggestions of the value's datalist.
    page.keyboard.press("Tab")
    wait_for_count(page, 4)

    # A nested "any" group narrows it to Germany or Austria.
    rebuild(page, lambda: page.get_by_role("button", name="+ Group").first.click())
    rebuild(page, lambda: page.locator("#node-r_1").get_by_role("button", name="+ Condition").click())
    rebuild(page, lambda: page.locator("#r_1_0-field").select_option("country"))
    page.locator("#r_1_0-value").fill("DE")
    page.keyboard.press("Tab")
    wait_for_count(page, 1)
    rebuild(page, lambda: page.locator("#node-r_1").get_by_role("button", name="+ Condition").click())
    rebuild(page, lambda: page.locator("#r_1_1-field").select_option("country"))
    page.locator("#r_1_1-value").fill("AT")
    page.keyboard.press("Tab")
    wait_for_count(page, 2)
    assert page.locator("#r_1-kind").input_value() == "any"
    assert "Dunder Paper" not in page.locator("#preview-body").inner_text()
    screenshot(page, "segment-editor")

    htmx_idle(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and publish").click()
    assert re.search(r"/segments/\d+/$", page.url), page.locator("main").inner_text()[:1000]
    assert "created and published" in page.locator(".message").inner_text()
    segment = Segment.objects.get(slug="dach-software")
    assert segment.status == SegmentStatus.ACTIVE
    assert segment.rule == {
        "all": [
            {"field": "industry", "op": "eq", "value": "Software"},
            {"any": [
                {"field": "country", "op": "eq", "value": "DE"},
                {"field": "country", "op": "eq", "value": "AT"},
            ]},
        ]
    }
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Segments").click()
    screenshot(page, "segment-list")
    page.get_by_role("button", name="Sign out").click()

    # The rep finds the account in My accounts, with the segment and the reason.
    rep_page = new_page(TABLET)
    sign_in(rep_page, live_server, "rita", PASSWORD)
    screenshot(rep_page, "home-rep")
    rep_page.get_by_role("navigation", name="Main").get_by_role("link", name="My accounts").click()
    acme_row = rep_page.locator("tr", has_text="Acme Robotics")
    assert "DACH software" in acme_row.inner_text()
    assert "Tier 1" in acme_row.inner_text()
    screenshot(rep_page, "my-accounts")
    acme_row.get_by_role("link", name="Acme Robotics").click()
    rep_page.get_by_text("Why").first.click()
    reasons = rep_page.locator(".reasons").first.inner_text()
    assert "Industry is “Software” (here: “Software”)" in reasons
    assert "Country is “DE” (here: “DE”)" in reasons
    screenshot(rep_page, "account-page")


def test_editor_shows_error_at_condition(live_server, new_page, people_and_accounts):
    page = new_page(LAPTOP)
    sign_in(page, live_server, "olga", PASSWORD)
    page.goto(f"{live_server.url}/segments/new/")
    rebuild(page, lambda: page.locator("#r_0-field").select_option("employee_count"))
    rebuild(page, lambda: page.locator("#r_0-op").select_option("gt"))
    rebuild(page, lambda: page.get_by_role("button", name="+ Group").first.click())
    assert "empty" in page.locator("#errors-r_1").inner_text()
    screenshot(page, "segment-editor-errors")


def test_filters_update_results_without_reload(live_server, new_page, people_and_accounts):
    page = new_page(TABLET)
    sign_in(page, live_server, "rita", PASSWORD)
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_label("Tier 1").check()
    page.wait_for_function("() => !document.querySelector('#results').innerText.includes('Dunder Paper')")
    rows = page.locator("table.accounts tbody tr")
    assert rows.count() == 2
    assert "tier=1" in page.url


@pytest.mark.parametrize(
    ("path", "heading", "name"),
    [
        ("/lenses/", "Lenses", "lenses"),
        ("/data-quality/", "Data quality", "data-quality"),
        ("/runs/", "Recompute runs", "runs"),
        ("/icp/", "ICP model", "icp-models"),
        ("/lifecycle/", "Lifecycle rules", "lifecycle-rules"),
        ("/settings/api-tokens/", "API tokens", "api-tokens"),
        ("/settings/webhooks/", "Webhooks", "webhooks"),
        ("/", "Good to see you", "home-revops"),
    ],
)
def test_revops_pages_render(live_server, new_page, people_and_accounts, path, heading, name):
    page = new_page(LAPTOP)
    sign_in(page, live_server, "olga", PASSWORD)
    page.goto(f"{live_server.url}{path}")
    assert heading in page.locator("h1").inner_text()
    screenshot(page, name)
