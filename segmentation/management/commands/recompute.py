"""`python manage.py recompute [--wait] [--json] [--full]`: run the recompute pipeline now."""

import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from segmentation.models import RecomputeRun, RunStatus, RunTrigger
from segmentation.services.pipeline import RecomputeInProgress, recompute_request

POLL_SECONDS = 1.0


def run_summary(run):
    return {
        "id": run.pk,
        "status": run.status,
        "trigger": run.trigger,
        "full": run.full,
        "as_of": run.as_of.isoformat(),
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seconds": round(run.duration.total_seconds(), 3) if run.duration else None,
        "chunks": {"done": run.chunks_done, "total": run.chunks_total},
        "steps": run.steps,
        "counts": run.counts,
        "changes": run.changes,
        "error": run.error,
    }


class Command(BaseCommand):
    help = (
        "Recompute derived attributes, lifecycle stages, ICP scores and tiers, and segment memberships. "
        "Without a Celery broker the run happens in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", action="store_true", help="Wait until the run has published or failed.")
        parser.add_argument("--json", action="store_true", help="Print the run as JSON instead of text.")
        parser.add_argument(
            "--full", action="store_true", help="Cover every account, not only those whose data changed."
        )
        parser.add_argument(
            "--timeout", type=int, default=3600, help="Seconds --wait waits before giving up (default 3600)."
        )

    def handle(self, *args, **options):
        try:
            run = recompute_request(trigger=RunTrigger.CLI, full=options["full"])
        except RecomputeInProgress as busy:
            raise CommandError(str(busy)) from None

        waiting = options["wait"] and not settings.CELERY_TASK_ALWAYS_EAGER
        deadline = time.monotonic() + options["timeout"]
        while waiting and run.status not in (RunStatus.PUBLISHED, RunStatus.FAILED):
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Run #{run.pk} is still {run.status} after {options['timeout']} s; "
                    "it goes on in the background. Check that a worker serves the pipeline queue."
                )
            time.sleep(POLL_SECONDS)
            run = RecomputeRun.objects.get(pk=run.pk)

        if options["json"]:
            self.stdout.write(json.dumps(run_summary(run), indent=2))
        else:
            self._write_text(run)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"Run #{run.pk} failed: {run.error}")

    def _write_text(self, run):
        scope = "all accounts" if run.full else "changed accounts"
        if run.status != RunStatus.PUBLISHED:
            self.stdout.write(f"Run #{run.pk} is {run.status} ({scope}, {run.chunks_total} chunks).")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Run #{run.pk} published in {run.duration.total_seconds():.1f} s ({scope}).")
        )
        for step in run.steps:
            figures = ", ".join(f"{key} {value}" for key, value in step.items() if key not in ("step", "phase"))
            self.stdout.write(f"  {step['step']} ({step['phase']}): {figures}")
        for kind in ("tier_moves", "stage_moves"):
            for move, count in sorted(run.changes.get(kind, {}).items()):
                self.stdout.write(f"  {move}: {count}")
        self.stdout.write(
            f"  segment entries: {run.changes.get('segment_entries', 0)}, "
            f"exits: {run.changes.get('segment_exits', 0)}"
        )
