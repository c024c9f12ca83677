"""Recompute one segment's membership, or every segment in dependency order."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from segmentation.models import Segment, SegmentStatus
from segmentation.rules import RuleValidationError
from segmentation.services import segment_recompute, segments_recompute_all


class Command(BaseCommand):
    help = (
        "Recompute the membership of the segment SLUG from its rule, or of every active segment with --all. "
        "Segment references read the current membership of the referenced segments."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", metavar="SLUG", help="The segment to recompute.")
        parser.add_argument("--all", action="store_true", help="Recompute every active segment in dependency order.")

    def handle(self, *args, **options):
        if options["all"] == bool(options["slug"]):
            raise CommandError("Give either a segment SLUG or --all.")
        now = timezone.now()
        if options["all"]:
            result = segments_recompute_all(now=now)
            for slug, counts in result.segments.items():
                self.write_counts(slug, counts)
            for slug, closed in result.retired_exits.items():
                self.stdout.write(f"{slug}: retired, {closed:,} exited")
            for slug, messages in result.skipped.items():
                self.stderr.write(f"{slug}: not recomputed: {'; '.join(messages)}")
            if result.skipped:
                raise CommandError(f"{len(result.skipped)} segment(s) were not recomputed; see above.")
            return
        segment = Segment.objects.filter(slug=options["slug"]).first()
        if segment is None:
            raise CommandError(f'Segment "{options["slug"]}" not found. Check the slug in the admin.')
        if segment.status == SegmentStatus.RETIRED:
            raise CommandError(f'Segment "{segment.slug}" is retired; set it to draft or active to recompute it.')
        try:
            counts = segment_recompute(segment=segment, now=now)
        except RuleValidationError as error:
            lines = "\n".join(f"  {item.path}: {item.message}" for item in error.errors)
            raise CommandError(f'The rule of segment "{segment.slug}" is invalid:\n{lines}') from error
        self.write_counts(segment.slug, counts)

    def write_counts(self, slug, counts):
        self.stdout.write(
            f"{slug}: {counts.entered:,} entered, {counts.exited:,} exited, {counts.members:,} members"
        )
