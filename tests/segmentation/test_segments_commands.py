"""The segment_preview and recompute_segment commands."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account
from segmentation.models import Lens, SegmentMembership, SegmentStatus
from segmentation.services import segment_create

pytestmark = pytest.mark.django_db

SOFTWARE = {"field": "industry", "op": "eq", "value": "software"}


@pytest.fixture
def companies():
    Account.objects.create(name="Acme", industry="Software", domain="acme.test")
    Account.objects.create(name="Globex", industry="software")
    Account.objects.create(name="Initech", industry="Retail")


def write_rule(tmp_path, content):
    path = tmp_path / "rule.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_preview_prints_count_and_sample(companies, tmp_path):
    out, _ = run("segment_preview", write_rule(tmp_path, SOFTWARE))
    assert "Matching accounts: 2" in out
    assert "Would enter: 2, would leave: 0 (compared with an empty segment)" in out
    assert "Acme" in out and "Globex" in out and "Initech" not in out


def test_preview_json(companies, tmp_path):
    out, _ = run("segment_preview", write_rule(tmp_path, SOFTWARE), "--json", "--sample", "1")
    result = json.loads(out)
    assert result["count"] == 2
    assert [row["name"] for row in result["sample"]] == ["Acme"]
    assert not SegmentMembership.objects.exists()


def test_preview_against_a_segment(companies, tmp_path):
    segment_create(name="Retail", slug="retail", lens=Lens.FIRMOGRAPHIC, status=SegmentStatus.ACTIVE,
                   rule={"field": "industry", "op": "eq", "value": "retail"})
    run("recompute_segment", "retail")
    out, _ = run("segment_preview", write_rule(tmp_path, SOFTWARE), "--segment", "retail", "--json")
    result = json.loads(out)
    assert (result["entering"], result["leaving"]) == (2, 1)


def test_preview_reads_stdin(companies, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(SOFTWARE)))
    out, _ = run("segment_preview", "-", "--json")
    assert json.loads(out)["count"] == 2


def test_preview_invalid_json(tmp_path):
    with pytest.raises(CommandError, match=r"is not valid JSON: Expecting .* at line 1, column \d+"):
        run("segment_preview", write_rule(tmp_path, '{"field": "industry",'))


def test_preview_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read the rule file"):
        run("segment_preview", str(tmp_path / "absent.json"))


def test_preview_invalid_rule_lists_errors(tmp_path):
    rule = {"all": [{"field": "industy", "op": "eq", "value": "x"}, {"any": []}]}
    with pytest.raises(CommandError) as raised:
        run("segment_preview", write_rule(tmp_path, rule))
    message = str(raised.value)
    assert "$.all[0].field: Unknown field" in message
    assert '$.all[1].any: The "any" group is empty' in message


def test_preview_invalid_rule_as_json(tmp_path):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("segment_preview", write_rule(tmp_path, {"any": []}), "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["path"] == "$.any"


def test_preview_unknown_segment(tmp_path):
    with pytest.raises(CommandError, match='Segment "nope" not found'):
        run("segment_preview", write_rule(tmp_path, SOFTWARE), "--segment", "nope")


def test_preview_invalid_time(tmp_path):
    with pytest.raises(CommandError, match="Invalid --at time"):
        run("segment_preview", write_rule(tmp_path, SOFTWARE), "--at", "yesterday")


def test_recompute_segment_prints_counts(companies):
    segment_create(name="Software", slug="software", lens=Lens.FIRMOGRAPHIC, rule=SOFTWARE)
    out, _ = run("recompute_segment", "software")
    assert out.strip() == "software: 2 entered, 0 exited, 2 members"
    out, _ = run("recompute_segment", "software")
    assert out.strip() == "software: 0 entered, 0 exited, 2 members"


def test_recompute_all(companies):
    segment_create(name="Software", slug="software", lens=Lens.FIRMOGRAPHIC, rule=SOFTWARE,
                   status=SegmentStatus.ACTIVE)
    out, _ = run("recompute_segment", "--all")
    assert "software: 2 entered" in out


def test_recompute_unknown_segment():
    with pytest.raises(CommandError, match='Segment "nope" not found'):
        run("recompute_segment", "nope")


def test_recompute_needs_slug_or_all():
    with pytest.raises(CommandError, match="Give either a segment SLUG or --all"):
        run("recompute_segment")


def test_recompute_retired_segment():
    segment_create(name="Old", slug="old", lens=Lens.FIRMOGRAPHIC, rule=SOFTWARE, status=SegmentStatus.RETIRED)
    with pytest.raises(CommandError, match="is retired"):
        run("recompute_segment", "old")
