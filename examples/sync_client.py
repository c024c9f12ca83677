#!/usr/bin/env python3
"""An example CRM sync client for the Tierline REST API.

It does the two halves of a sync with nothing but the documented API:

1. push: reads a CSV file whose header row uses Tierline's public field
   names (external_id, name, domain, industry, employee_count, ...) and
   sends it in batches to POST /api/v1/<records>/bulk-upsert/. Each batch
   carries an Idempotency-Key, the same on every retry of that batch, so a
   retried batch is applied once. Rejected records are printed with their
   CSV line.
2. follow: reads GET /api/v1/changes/tiers/ from the cursor saved in a
   state file, prints each tier change, and saves the new cursor after
   every page, so a restarted client resumes without missing or repeating
   an event.

Usage:

    export TIERLINE_TOKEN=tl_...          # python manage.py create_api_token crm --scopes read,write
    python examples/sync_client.py --base-url http://127.0.0.1:8000 push accounts.csv
    python examples/sync_client.py --base-url http://127.0.0.1:8000 follow --state tiers.cursor [--forever]

Only `requests` is needed beyond the standard library.
"""

import argparse
import csv
import json
import os
import sys
import time
import uuid
from pathlib import Path

import requests

BATCH_SIZE = 1000
INTEGER_FIELDS = {"employee_count", "strategic_value", "health_score", "score"}
LIST_FIELDS = {"technologies", "needs"}
LIST_SEPARATOR = ";"
RETRY_STATUSES = {409, 429, 500, 502, 503, 504}
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 60


class SyncError(RuntimeError):
    """The API refused a request in a way a retry cannot fix."""


class TierlineClient:
    def __init__(self, base_url, token):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def request(self, method, path, **kwargs):
        """Send a request, waiting and retrying on 409 (key in flight), 429 and server errors."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = self.session.request(method, self.base_url + path, timeout=TIMEOUT_SECONDS, **kwargs)
            if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                break
            if response.status_code == 409 and response.json().get("code") != "idempotency_key_in_flight":
                break
            wait = float(response.headers.get("Retry-After", 2 ** attempt))
            print(f"  {method} {path}: HTTP {response.status_code}, retrying in {wait:.0f} s", file=sys.stderr)
            time.sleep(wait)
        if response.status_code >= 400 and response.status_code != 207:
            body = response.json()
            raise SyncError(f"{method} {path} failed with HTTP {response.status_code} {body['code']}: {body['message']}")
        return response.json()

    def bulk_upsert(self, kind, records, idempotency_key):
        body = json.dumps({"records": records}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        return self.request("POST", f"/api/v1/{kind}/bulk-upsert/", data=body, headers=headers)

    def tier_changes(self, cursor):
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        return self.request("GET", "/api/v1/changes/tiers/", params=params)


def record_from_row(row):
    """Turn a CSV row into a JSON record: blanks left out, whole numbers and lists typed."""
    record = {}
    for field, text in row.items():
        if field is None or text is None or not text.strip():
            continue
        text = text.strip()
        if field in INTEGER_FIELDS:
            record[field] = int(text)
        elif field in LIST_FIELDS:
            record[field] = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        else:
            record[field] = text
    return record


def read_batches(path, batch_size):
    """Yield (first CSV line number, records) batches; the header is line 1."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        batch, first_line = [], 2
        for line, row in enumerate(reader, start=2):
            batch.append(record_from_row(row))
            if len(batch) == batch_size:
                yield first_line, batch
                batch, first_line = [], line + 1
        if batch:
            yield first_line, batch


def push(client, kind, path, batch_size):
    totals = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    # One key per batch of this push: retries of a batch repeat its key, a later push of the same file does not.
    push_id = uuid.uuid4().hex
    for number, (first_line, records) in enumerate(read_batches(path, batch_size)):
        result = client.bulk_upsert(kind, records, f"{push_id}-{number}")
        for name, count in result["counts"].items():
            totals[name] += count
        for item in result["results"]:
            if item["status"] == "error":
                problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in item["errors"].items())
                print(f"line {first_line + item['index']}: rejected: {problems}")
    print("pushed:", ", ".join(f"{count} {name}" for name, count in totals.items()))
    return totals


def follow(client, state_path, forever=False, interval=30):
    """Print tier changes from the saved cursor on; save the cursor after each page."""
    state = Path(state_path)
    cursor = state.read_text().strip() if state.exists() else None
    seen = 0
    while True:
        page = client.tier_changes(cursor)
        for event in page["results"]:
            data = event["data"]
            print(f"{event['occurred_at']} account {data['external_id'] or data['account']}: "
                  f"tier {data['from_tier'] or 'none'} -> {data['to_tier'] or 'none'}")
            seen += 1
        cursor = page["next_cursor"]
        if cursor:
            state.write_text(cursor)
        if page["has_more"]:
            continue
        if not forever:
            return seen
        time.sleep(interval)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Push a CSV to Tierline and follow tier changes.")
    parser.add_argument("--base-url", default=os.environ.get("TIERLINE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("TIERLINE_TOKEN"), help="API token (default: $TIERLINE_TOKEN).")
    commands = parser.add_subparsers(dest="command", required=True)
    push_parser = commands.add_parser("push", help="Upsert the records of a CSV file.")
    push_parser.add_argument("csv", help="CSV file with a header row of public field names.")
    push_parser.add_argument(
        "--kind", default="accounts", choices=["accounts", "contacts", "opportunities", "events", "intent-signals"]
    )
    push_parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Records a request, at most 1000.")
    follow_parser = commands.add_parser("follow", help="Print tier changes since the saved cursor.")
    follow_parser.add_argument("--state", default="tier-changes.cursor", help="File that keeps the feed cursor.")
    follow_parser.add_argument("--forever", action="store_true", help="Keep polling for new changes.")
    follow_parser.add_argument("--interval", type=int, default=30, help="Seconds between polls with --forever.")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("set --token or TIERLINE_TOKEN to an API token")

    client = TierlineClient(args.base_url, args.token)
    try:
        if args.command == "push":
            push(client, args.kind, args.csv, args.batch_size)
        else:
            follow(client, args.state, args.forever, args.interval)
    except SyncError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
