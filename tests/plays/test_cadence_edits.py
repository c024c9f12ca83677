"""Editing a play's cadence keeps the steps that remain, and reps' completions of them."""

import datetime
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from plays.models import CadenceStep, Enrollment, Play, StepCompletion
from plays.selectors import steps_due
from plays.services import PlayValidationError, cadence_step_complete, enrollments_recompute, play_save
from tests.api.conftest import assert_error

from .conftest import NOW, make_account, make_play, make_segment, make_user
from .test_api_writes import api, current_etag, patch  # noqa: F401 - api is a fixture
from .test_views import revops  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# Two steps on the entry date, so that their order depends on position alone.
CADENCE = [
    {"day_offset": 0, "channel": "email", "action": "Send the benchmark report"},
    {"day_offset": 0, "channel": "social", "action": "Connect with the champion", "owner_role": "sales"},
    {"day_offset": 3, "channel": "call", "action": "Call the economic buyer", "owner_role": "sales"},
]


class EditorForm(HTMLParser):
    """The values a browser submits for the play editor's form, by field name."""

    def __init__(self):
        super().__init__()
        self.data = defaultdict(list)
        self._inside = False
        self._select = None
        self._select_options = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "play-form":
            self._inside = True
        if not self._inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[attrs["name"]].append(attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select = attrs
            self._select_options = []
        elif tag == "option" and self._select is not None:
            self._select_options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea].append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that Django writes after <textarea>.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select_options if selected]
            if not chosen and "multiple" not in self._select and self._select_options:
                chosen = [self._select_options[0][0]]
            self.data[self._select["name"]].extend(chosen)
            self._select = None


def editor_form(client, play) -> dict:
    """Return the editor's form of a play as a browser would post it unchanged."""
    response = client.get(reverse("plays:edit", args=[play.slug]))
    assert response.status_code == 200
    reader = EditorForm()
    reader.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}


def save_in_editor(client, play, data):
    return client.post(reverse("plays:edit", args=[play.slug]), data)


def step_ids(play):
    return list(play.steps.values_list("pk", flat=True))


def completed_actions(enrollment):
    return sorted(StepCompletion.objects.filter(enrollment=enrollment).values_list("step__action", flat=True))


@pytest.fixture
def rep():
    return make_user("sam", "sales")


@pytest.fixture
def cadence(rep):
    """Return an active play with CADENCE and an enrollment whose first two steps are done."""
    account = make_account("Acme", icp_tier=1, owner=rep)
    segment = make_segment("fintech", [account])
    play = make_play(name="Fintech", segments=[segment], sla_hours=24)
    play_save(play=play, segment_ids=[segment.pk], steps=CADENCE)
    enrollments_recompute(now=NOW)
    enrollment = Enrollment.objects.get(play=play, account=account)
    first, second, _ = play.steps.all()
    cadence_step_complete(enrollment=enrollment, step=first, user=rep, now=NOW)
    cadence_step_complete(enrollment=enrollment, step=second, user=rep, now=NOW)
    return play, enrollment


def test_editor_posts_step_ids(client, revops, cadence):
    play, _ = cadence

    data = editor_form(client, play)

    assert [data[f"steps-{index}-id"] for index in range(3)] == [str(pk) for pk in step_ids(play)]
    assert data["steps-3-id"] == ""


def test_rename_in_editor_keeps_completions(client, revops, rep, cadence):
    play, enrollment = cadence
    ids_before = step_ids(play)
    data = editor_form(client, play)
    data["name"] = "Fintech, renamed"

    response = save_in_editor(client, play, data)

    assert response.status_code == 302
    play.refresh_from_db()
    assert play.name == "Fintech, renamed"
    assert step_ids(play) == ids_before
    assert completed_actions(enrollment) == ["Connect with the champion", "Send the benchmark report"]
    queue = steps_due(user=rep, now=NOW + datetime.timedelta(days=3))
    assert [item.step.action for item in queue] == ["Call the economic buyer"]


def test_action_edit_in_editor_keeps_completion(client, revops, cadence):
    play, enrollment = cadence
    first_id = step_ids(play)[0]
    data = editor_form(client, play)
    data["steps-0-action"] = "Send the 2026 benchmark report"

    assert save_in_editor(client, play, data).status_code == 302

    step = CadenceStep.objects.get(pk=first_id)
    assert step.action == "Send the 2026 benchmark report"
    assert StepCompletion.objects.filter(enrollment=enrollment, step=step).exists()


def test_removed_step_takes_its_completions(client, revops, cadence):
    play, enrollment = cadence
    first_id, second_id, third_id = step_ids(play)
    data = editor_form(client, play)
    data["steps-1-DELETE"] = "on"

    assert save_in_editor(client, play, data).status_code == 302

    assert step_ids(play) == [first_id, third_id]
    assert not CadenceStep.objects.filter(pk=second_id).exists()
    assert completed_actions(enrollment) == ["Send the benchmark report"]


def test_reorder_in_editor_keeps_completions(client, revops, cadence):
    play, enrollment = cadence
    first_id, second_id, third_id = step_ids(play)
    data = editor_form(client, play)
    # Swap the two day-0 rows, ids included, as if the rows had been moved.
    for field in ("id", "day_offset", "channel", "action", "owner_role"):
        data[f"steps-0-{field}"], data[f"steps-1-{field}"] = data[f"steps-1-{field}"], data[f"steps-0-{field}"]

    assert save_in_editor(client, play, data).status_code == 302

    assert step_ids(play) == [second_id, first_id, third_id]
    assert CadenceStep.objects.get(pk=second_id).position == 1
    assert CadenceStep.objects.get(pk=first_id).position == 2
    done = dict(StepCompletion.objects.filter(enrollment=enrollment).values_list("step_id", "step__action"))
    assert done == {first_id: "Send the benchmark report", second_id: "Connect with the champion"}


def test_editor_rows_without_ids_match_by_index(client, revops, cadence):
    play, enrollment = cadence
    ids_before = step_ids(play)
    data = editor_form(client, play)
    # A page rendered before rows carried ids posts none.
    for index in range(int(data["steps-TOTAL_FORMS"])):
        data.pop(f"steps-{index}-id")
    data["steps-0-action"] = "Send the 2026 benchmark report"
    data.update({"steps-3-day_offset": "7", "steps-3-channel": "email", "steps-3-action": "Send the case study"})

    assert save_in_editor(client, play, data).status_code == 302

    assert step_ids(play)[:3] == ids_before
    assert list(play.steps.values_list("action", flat=True)) == [
        "Send the 2026 benchmark report",
        "Connect with the champion",
        "Call the economic buyer",
        "Send the case study",
    ]
    assert completed_actions(enrollment) == ["Connect with the champion", "Send the 2026 benchmark report"]


def test_editor_rejects_stale_step_id(client, revops, cadence):
    play, enrollment = cadence
    data = editor_form(client, play)
    data["name"] = "Fintech, renamed"
    removed_id = step_ids(play)[1]
    CadenceStep.objects.filter(pk=removed_id).delete()

    response = save_in_editor(client, play, data)

    assert response.status_code == 400
    assert f"step 2: id: No step of this play has the id {removed_id}" in response.content.decode()
    play.refresh_from_db()
    assert play.name == "Fintech"
    assert completed_actions(enrollment) == ["Send the benchmark report"]


def test_editor_rejects_malformed_step_id(client, revops, cadence):
    play, _ = cadence
    data = editor_form(client, play)
    data["steps-0-id"] = "first"

    response = save_in_editor(client, play, data)

    assert response.status_code == 400
    assert "Invalid step id" in response.content.decode()
    assert len(step_ids(play)) == 3


def api_steps(api, play):
    return api.get(f"/api/v1/plays/{play.slug}/").json()["steps"]


def test_api_lists_step_ids(api, cadence):
    play, _ = cadence

    assert [step["id"] for step in api_steps(api, play)] == step_ids(play)


def test_api_patch_with_ids_keeps_completions(api, cadence):
    play, enrollment = cadence
    first_id, second_id, third_id = step_ids(play)
    first, second, third = api_steps(api, play)
    first["action"] = "Send the 2026 benchmark report"
    steps = [{key: step[key] for key in ("id", "day_offset", "channel", "action", "owner_role")}
             for step in (second, first, third)]

    response = patch(api, play.slug, {"name": "Fintech, renamed", "steps": steps}, current_etag(api, play.slug))

    assert response.status_code == 200, response.content
    assert [(step["id"], step["position"]) for step in response.json()["steps"]] == [
        (second_id, 1),
        (first_id, 2),
        (third_id, 3),
    ]
    done = dict(StepCompletion.objects.filter(enrollment=enrollment).values_list("step_id", "step__action"))
    assert done == {first_id: "Send the 2026 benchmark report", second_id: "Connect with the champion"}


def test_api_patch_deletes_omitted_step(api, cadence):
    play, enrollment = cadence
    first_id, second_id, third_id = step_ids(play)
    first, _, third = api_steps(api, play)
    steps = [{key: step[key] for key in ("id", "day_offset", "channel", "action")} for step in (first, third)]

    response = patch(api, play.slug, {"steps": steps}, current_etag(api, play.slug))

    assert response.status_code == 200, response.content
    assert step_ids(play) == [first_id, third_id]
    assert completed_actions(enrollment) == ["Send the benchmark report"]


def test_api_patch_unknown_step_id_is_400(api, cadence):
    play, enrollment = cadence
    etag = current_etag(api, play.slug)
    ids_before = step_ids(play)
    missing_id = max(ids_before) + 100
    steps = [
        {"id": ids_before[0], "day_offset": 0, "channel": "email", "action": "Send the benchmark report"},
        {"id": missing_id, "day_offset": 2, "channel": "call", "action": "Call the champion"},
    ]

    body = assert_error(patch(api, play.slug, {"name": "Renamed", "steps": steps}, etag), 400, "invalid")

    assert list(body["fields"]) == ["steps"]
    assert list(body["fields"]["steps"]) == ["1"]
    assert list(body["fields"]["steps"]["1"]) == ["id"]
    assert f"id {missing_id}" in body["fields"]["steps"]["1"]["id"][0]
    assert current_etag(api, play.slug) == etag
    assert step_ids(play) == ids_before
    assert len(completed_actions(enrollment)) == 2


def test_api_patch_foreign_step_id_is_400(api, cadence):
    play, _ = cadence
    other = make_play(name="Other")
    foreign = CadenceStep.objects.create(play=other, position=1, day_offset=0, channel="email", action="Hello")
    steps = [{"id": foreign.pk, "day_offset": 0, "channel": "email", "action": "Taken over"}]

    body = assert_error(patch(api, play.slug, {"steps": steps}, current_etag(api, play.slug)), 400, "invalid")

    assert list(body["fields"]["steps"]["0"]) == ["id"]
    foreign.refresh_from_db()
    assert foreign.play_id == other.pk
    assert foreign.action == "Hello"


def test_api_patch_repeated_step_id_is_400(api, cadence):
    play, _ = cadence
    first_id = step_ids(play)[0]
    step = {"id": first_id, "day_offset": 0, "channel": "email", "action": "Send the benchmark report"}

    body = assert_error(patch(api, play.slug, {"steps": [step, step]}, current_etag(api, play.slug)), 400, "invalid")

    assert list(body["fields"]["steps"]) == ["1"]
    assert "more than once" in body["fields"]["steps"]["1"]["id"][0]


def test_id_and_field_errors_reported_together(cadence):
    play, _ = cadence
    steps = [{"id": max(step_ids(play)) + 100, "day_offset": 0, "channel": "fax", "action": "Send a fax"}]

    with pytest.raises(PlayValidationError) as raised:
        play_save(play=play, segment_ids=list(play.entry_segments.values_list("pk", flat=True)), steps=steps)

    assert set(raised.value.step_errors) == {0}
    assert set(raised.value.step_errors[0]) == {"id", "channel"}


def test_step_without_id_skips_named_step(cadence):
    play, enrollment = cadence
    first_id, second_id, third_id = step_ids(play)
    steps = [
        {"id": second_id, **CADENCE[1]},
        {"id": None, "day_offset": 1, "channel": "email", "action": "Send the agenda"},
    ]

    play_save(play=play, segment_ids=list(play.entry_segments.values_list("pk", flat=True)), steps=steps)

    named, added = play.steps.all()
    assert named.pk == second_id
    assert added.pk not in (first_id, second_id, third_id)
    assert completed_actions(enrollment) == ["Connect with the champion"]


def test_index_matching_follows_listed_order(cadence):
    """Steps without ids match the stored steps in the order the editor and API list them, not by position."""
    play, _ = cadence
    segment_ids = list(play.entry_segments.values_list("pk", flat=True))
    play_save(play=play, segment_ids=segment_ids, steps=[CADENCE[2], CADENCE[0]])
    listed = list(play.steps.all())
    assert [(step.day_offset, step.position) for step in listed] == [(0, 2), (3, 1)]

    play_save(play=play, segment_ids=segment_ids, steps=[{**CADENCE[0], "action": "Send the report"}, CADENCE[2]])

    assert [(step.pk, step.action) for step in play.steps.all()] == [
        (listed[0].pk, "Send the report"),
        (listed[1].pk, "Call the economic buyer"),
    ]


def test_new_play_rejects_step_ids():
    unsaved = Play(name="Unsaved", motion="acquire", owner_team="sales")

    with pytest.raises(PlayValidationError) as raised:
        play_save(play=unsaved, segment_ids=[], steps=[{"id": 1, **CADENCE[0]}])

    assert list(raised.value.step_errors[0]) == ["id"]
    assert unsaved.pk is None
