"""Preview a rule from a JSON file: how many records match, who would enter
and leave a segment, and a sample of the matches. Writes nothing."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from segmentation.models import ObjectType, Segment
from segmentation.rules import RuleValidationError
from segmentation.services import segment_preview
from segmentation.services.segments import DEFAULT_SAMPLE_SIZE, MAX_SAMPLE_SIZE


def read_rule(path, stdin):
    """Return the JSON rule in the file at path ("-" reads standard input), or raise CommandError."""
    try:
        if path == "-":
            text = stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        raise CommandError(f"Cannot read the rule file {path}: {error.strerror}.") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"The rule file {path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from error


def parse_time(value):
    """Return the timezone-aware time an ISO 8601 option value names, or raise CommandError."""
    if value is None:
        return timezone.now()
    moment = parse_datetime(value)
    if moment is None:
        raise CommandError(f"Invalid --at time {value!r}: use ISO 8601, such as 2025-03-01T02:00:00+00:00.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Count the records a rule in a JSON file selects, with a sample, without writing anything."

    def add_arguments(self, parser):
        parser.add_argument("rule_file", metavar="RULE.json", help='File with the rule as JSON; "-" reads stdin.')
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--object-type",
            choices=ObjectType.values,
            help="What the rule selects; default: the segment's object type, else accounts.",
        )
        parser.add_argument("--segment", metavar="SLUG", help="Compare with this segment's current membership.")
        parser.add_argument(
            "--sample",
            type=int,
            default=DEFAULT_SAMPLE_SIZE,
            help=f"Number of matching records to show, from 0 to {MAX_SAMPLE_SIZE} (default {DEFAULT_SAMPLE_SIZE}).",
        )
        parser.add_argument("--at", help="Evaluate the rule at this ISO 8601 time instead of now.")

    def handle(self, *args, **options):
        rule = read_rule(options["rule_file"], sys.stdin)
        segment = None
        if options["segment"]:
            segment = Segment.objects.filter(slug=options["segment"]).first()
            if segment is None:
                raise CommandError(f'Segment "{options["segment"]}" not found. List segments in the admin.')
        object_type = options["object_type"] or (segment.object_type if segment else ObjectType.ACCOUNTS)
        if not 0 <= options["sample"] <= MAX_SAMPLE_SIZE:
            raise CommandError(f"--sample must be from 0 to {MAX_SAMPLE_SIZE}; got {options['sample']}.")
        try:
            preview = segment_preview(
                object_type=object_type,
                rule=rule,
                now=parse_time(options["at"]),
                segment=segment,
                sample_size=options["sample"],
            )
        except RuleValidationError as error:
            if options["json"]:
                self.stdout.write(json.dumps({"errors": [item.as_dict() for item in error.errors]}, indent=2))
            lines = "\n".join(f"  {item.path}: {item.message}" for item in error.errors)
            raise CommandError(f"The rule is invalid:\n{lines}") from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(preview, cls=DjangoJSONEncoder, indent=2))
            return
        self.write_text(preview, object_type, segment)

    def write_text(self, preview, object_type, segment):
        self.stdout.write(f"Matching {object_type}: {preview['count']:,}")
        compared = f'segment "{segment.slug}"' if segment else "an empty segment"
        self.stdout.write(f"Would enter: {preview['entering']:,}, would leave: {preview['leaving']:,} "
                          f"(compared with {compared})")
        if not preview["sample"]:
            return
        self.stdout.write(f"First {len(preview['sample'])} by name:")
        for row in preview["sample"]:
            self.stdout.write("  " + "  ".join("" if value is None else str(value) for value in row.values()))
