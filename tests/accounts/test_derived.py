"""Derived attributes: engagement score, in-market flag, pipeline, won revenue, activity, buying roles."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import EngagementSettings

from tests.segmentation.pipeline_helpers import (  # noqa: F401 - eager_pipeline is a fixture
    add_contact,
    add_event,
    add_intent,
    add_opportunity,
    days_before,
    eager_pipeline,
    make_account,
    refreshed,
    run_pipeline,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_pipeline")]


@pytest.fixture
def now():
    return timezone.now()


def test_engagement_weighted_by_type_and_decayed(now):
    account = make_account("Acme")
    add_event(account, "meeting", days_before(now, 0))
    add_event(account, "web_visit", days_before(now, 0))
    add_event(account, "content_download", days_before(now, 30))
    add_event(account, "meeting", days_before(now, 60))

    run_pipeline(now=now)

    # Age counts from midnight of the run's date: 10 + 1 + 5 * 0.5 ** (29.58 / 30) + 10 * 0.5 ** (59.58 / 30)
    score = refreshed(account).engagement_score
    expected = 10 + 1 + 5 * 0.5 ** ((30 * 24 - 10) / 24 / 30) + 10 * 0.5 ** ((60 * 24 - 10) / 24 / 30)
    assert score == pytest.approx(expected, abs=1e-3)


def test_engagement_weights_are_configurable(now):
    EngagementSettings.objects.create(event_weights={"web_visit": 3, "meeting": 0}, half_life_days=10)
    account = make_account("Acme")
    add_event(account, "web_visit", days_before(now, 0))
    add_event(account, "meeting", days_before(now, 0))
    add_event(account, "email_click", days_before(now, 0))

    run_pipeline(now=now)

    assert refreshed(account).engagement_score == pytest.approx(3)


def test_engagement_same_all_day(now):
    account = make_account("Acme")
    add_event(account, "meeting", days_before(now, 3))
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=1, microsecond=0)
    end_of_day = start_of_day.replace(hour=23, minute=59)

    run_pipeline(now=start_of_day)
    morning = refreshed(account).engagement_score
    run = run_pipeline(now=end_of_day, full=True)

    assert refreshed(account).engagement_score == morning
    assert run.counts["accounts_derived_updated"] == 0


def test_in_market_from_intent(now):
    hot = make_account("Hot")
    add_intent(hot, 80, days_before(now, 3))
    lukewarm = make_account("Lukewarm")
    add_intent(lukewarm, 69, days_before(now, 3))
    stale = make_account("Stale")
    add_intent(stale, 95, days_before(now, 30))
    edge = make_account("Edge")
    add_intent(edge, 70, days_before(now, 29, hour=0))

    run_pipeline(now=now)

    assert refreshed(hot).in_market is True
    assert refreshed(lukewarm).in_market is False
    assert refreshed(stale).in_market is False
    assert refreshed(edge).in_market is True


def test_in_market_from_engagement_surge(now):
    surging = make_account("Surging")
    for day in range(5):
        add_event(surging, "web_visit", days_before(now, day))
    steady = make_account("Steady")
    for day in range(5):
        add_event(steady, "web_visit", days_before(now, day))
    for day in range(20, 100, 2):
        add_event(steady, "web_visit", days_before(now, day))
    quiet = make_account("Quiet")
    for day in range(4):
        add_event(quiet, "web_visit", days_before(now, day))

    run_pipeline(now=now)

    assert refreshed(surging).in_market is True
    assert refreshed(steady).in_market is False
    assert refreshed(quiet).in_market is False


def test_pipeline_revenue_and_last_activity(now):
    account = make_account("Acme")
    add_opportunity(account, "open", amount="1000.50")
    add_opportunity(account, "open", amount=None)
    add_opportunity(account, "won", amount="2500")
    add_opportunity(account, "won", amount="500")
    add_opportunity(account, "lost", amount="9999")
    latest = days_before(now, 2)
    add_event(account, "email_open", days_before(now, 9))
    add_event(account, "call", latest)
    empty = make_account("Empty")

    run_pipeline(now=now)

    account = refreshed(account)
    assert str(account.open_pipeline) == "1000.50"
    assert str(account.won_revenue) == "3000.00"
    assert account.last_activity_at == latest
    empty = refreshed(empty)
    assert empty.open_pipeline == 0
    assert empty.won_revenue == 0
    assert empty.last_activity_at is None
    assert empty.engagement_score == 0


def test_buying_roles_known_and_engaged(now):
    account = make_account("Acme")
    champion = add_contact(account, "champion")
    add_contact(account, "economic_buyer")
    add_contact(account, "blocker")
    reviewer = add_contact(account, "technical_reviewer")
    add_event(account, "meeting", days_before(now, 5), contact=champion)
    add_event(account, "meeting", days_before(now, 200), contact=reviewer)

    run_pipeline(now=now)

    account = refreshed(account)
    assert account.buying_roles_covered == ["economic_buyer", "champion", "technical_reviewer"]
    assert account.buying_roles_engaged == ["champion"]


def test_unchanged_data_updates_no_account(now):
    account = make_account("Acme")
    add_event(account, "meeting", days_before(now, 1))
    add_contact(account, "user")
    add_opportunity(account, "open")
    run_pipeline(now=now)

    run = run_pipeline(now=now, full=True)

    assert run.counts["accounts_derived_updated"] == 0


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"tweet": 1}, "Unknown event type 'tweet'"),
        ({"meeting": -1}, "use a number of 0 or more"),
        ({"meeting": "high"}, "use a number of 0 or more"),
        (["meeting"], "must be an object"),
    ],
)
def test_settings_reject_invalid_weights(weights, message):
    settings = EngagementSettings(event_weights=weights)

    with pytest.raises(ValidationError) as error:
        settings.full_clean()

    assert any(message in text for text in error.value.messages), error.value.messages


def test_settings_default_when_none_saved():
    loaded = EngagementSettings.load()

    assert loaded.pk is None
    assert loaded.weight_for("meeting") == 10
    assert loaded.weight_for("unknown") == 0
    assert datetime.timedelta(days=loaded.half_life_days) == datetime.timedelta(days=30)
