"""Benchmark the REST API on the standard data set (1,000,000 accounts).

It measures, each beside a baseline from the same run:

1. bulk upsert throughput through HTTP: batches of 1,000 accounts sent to
   POST /api/v1/accounts/bulk-upsert/ on a gunicorn server on 127.0.0.1
   (two workers, two client threads), as creates, then unchanged re-sends,
   then updates. Baseline: the same upsert service called directly in this
   process, with no HTTP, JSON or DRF. Goal: at least 5,000 accounts/s.
2. p50 and p95 latency of list endpoints at page size 100 under load. A
   second process on 127.0.0.1 runs several client threads against the
   account list and a segment's member list. Each list is read at its
   first page and at a cursor near its end. Baseline: the same page query through
   the ORM in this process. Goal: p95 under 50 ms at any depth.

The accounts and the segment it creates are deleted at the end, so the data
set keeps its row counts for the other benchmarks.

Usage: python bench/bench_api.py [--batches N] [--seconds S] [--clients C]
Needs BENCH_DATABASE_URL (see bench/common.py).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

BATCH_SIZE = 1000
PAGE_SIZE = 100
UPSERT_GOAL = 5000
P95_GOAL_MS = 50.0
PREFIX = "bench-api-"
SEGMENT_SLUG = "bench-api-members"
SEGMENT_RULE = {"field": "industry", "op": "in", "value": ["Software", "Financial Services", "Healthcare"]}
INDUSTRIES = ["Software", "Financial Services", "Healthcare", "Manufacturing", "Retail", "Education"]
COUNTRIES = ["US", "DE", "GB", "FR", "CA", "JP"]
SERVER_START_SECONDS = 60


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account_records(run_id, start, count, revision=0):
    """Build `count` realistic account records; a higher revision changes their values."""
    records = []
    for number in range(start, start + count):
        records.append(
            {
                "external_id": f"{PREFIX}{run_id}-{number}",
                "name": f"Bench Company {number}",
                "domain": f"bench-{run_id}-{number}.example.com",
                "industry": INDUSTRIES[(number + revision) % len(INDUSTRIES)],
                "employee_count": 10 + (number * 37 + revision) % 20000,
                "annual_revenue": str(1_000_000 + number * 1000 + revision),
                "currency": "USD",
                "country": COUNTRIES[number % len(COUNTRIES)],
                "region": "North America" if number % 2 else "EMEA",
                "ownership_type": "private",
                "technologies": ["Salesforce", "Snowflake"] if number % 3 else ["HubSpot"],
                "health_score": (number + revision) % 101,
            }
        )
    return records


def start_server(port):
    env = dict(
        os.environ,
        DATABASE_URL=common.bench_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="false",
        SECRET_KEY=uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=common.REPO_ROOT,
        env=env,
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn did not start on 127.0.0.1:{port} within {SERVER_START_SECONDS} s")


def send_batches(base_url, token, batches, threads):
    """POST the batches with `threads` concurrent clients; return (seconds, counts by status)."""
    import requests

    counts, lock, queue = {}, threading.Lock(), list(batches)

    def worker():
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        while True:
            with lock:
                if not queue:
                    return
                records = queue.pop()
            response = session.post(f"{base_url}/api/v1/accounts/bulk-upsert/", data=json.dumps({"records": records}), timeout=300)
            if response.status_code != 200:
                raise SystemExit(f"bulk upsert returned HTTP {response.status_code}: {response.text[:500]}")
            with lock:
                for status, count in response.json()["counts"].items():
                    counts[status] = counts.get(status, 0) + count

    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return time.perf_counter() - started, counts


def direct_upsert(batches):
    """Run the baseline: the same upsert service, called in this process with typed rows."""
    from accounts.api.bulk import typed_rows
    from accounts.importing.upsert import account_upsert
    from accounts.models import ImportKind

    started = time.perf_counter()
    for records in batches:
        rows, errors = typed_rows(ImportKind.ACCOUNTS, records)
        assert not errors, errors
        account_upsert(rows=rows)
    return time.perf_counter() - started


def warm_up(base_url, token, threads):
    """Send a few small requests first, so each gunicorn worker has loaded the app before timing."""
    run_id = "warmup-" + uuid.uuid4().hex[:8]
    send_batches(base_url, token, [account_records(run_id, index * 10, 10) for index in range(4 * threads)], threads)


def measure_upserts(base_url, token, batch_count, threads):
    warm_up(base_url, token, threads)
    run_id = uuid.uuid4().hex[:8]
    total = batch_count * BATCH_SIZE
    batches = [account_records(run_id, index * BATCH_SIZE, BATCH_SIZE) for index in range(batch_count)]
    changed = [account_records(run_id, index * BATCH_SIZE, BATCH_SIZE, revision=1) for index in range(batch_count)]
    results = {}
    for label, payload in (("create", batches), ("unchanged", batches), ("update", changed)):
        seconds, counts = send_batches(base_url, token, payload, threads)
        results[label] = (total / seconds, counts)
        print(f"  HTTP bulk upsert, {label:9}: {total / seconds:8,.0f} accounts/s  {counts}", flush=True)

    baseline_run = uuid.uuid4().hex[:8]
    baseline_batches = [account_records(baseline_run, index * BATCH_SIZE, BATCH_SIZE) for index in range(batch_count)]
    seconds = direct_upsert(baseline_batches)
    results["baseline_create"] = total / seconds
    seconds = direct_upsert(baseline_batches)
    results["baseline_unchanged"] = total / seconds
    print(f"  direct upsert service, create: {results['baseline_create']:8,.0f} accounts/s", flush=True)
    print(f"  direct upsert service, unchanged: {results['baseline_unchanged']:8,.0f} accounts/s", flush=True)
    return results


def load_generator(base_url, token, urls, seconds, clients):
    """Run in a second process: hit each URL with `clients` threads for `seconds`; print latencies as JSON."""
    import requests

    latencies = {name: [] for name in urls}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        names = list(urls)
        turn = offset
        while time.monotonic() < deadline:
            name = names[turn % len(names)]
            turn += 1
            started = time.perf_counter()
            response = session.get(base_url + urls[name], timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{urls[name]} returned HTTP {response.status_code}: {response.text[:300]}")
            with lock:
                latencies[name].append(elapsed)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(latencies))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def deep_cursor(base_url, token, path):
    """Return a cursor near the end of a list, found from the last ids, as a client that paged there would hold."""
    import requests

    response = requests.get(
        f"{base_url}{path}?page_size={PAGE_SIZE}&ordering=-id", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    last_id = response.json()["results"][-1]["id"]
    from accounts.api.pagination import encode_cursor

    return encode_cursor({"o": ["id"], "v": [last_id - 5 * PAGE_SIZE]})


def orm_page_ms(queryset, repeats=50):
    """Time the baseline: one page of 100 rows by keyset through the ORM in this process."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        list(queryset[:PAGE_SIZE])
        timings.append((time.perf_counter() - started) * 1000)
    return percentile(timings, 0.5), percentile(timings, 0.95)


def measure_latency(base_url, token, seconds, clients, segment):
    from accounts.models import Account
    from segmentation.models import SegmentMembership

    deep_accounts = deep_cursor(base_url, token, "/api/v1/accounts/")
    last_member = SegmentMembership.objects.filter(segment=segment, exited_at__isnull=True).order_by("-id").values_list("id", flat=True)[0]
    from accounts.api.pagination import encode_cursor

    deep_members = encode_cursor({"o": ["id"], "v": [last_member - 5 * PAGE_SIZE]})
    members = f"/api/v1/segments/{segment.slug}/members/?page_size={PAGE_SIZE}"
    urls = {
        "accounts, first page": f"/api/v1/accounts/?page_size={PAGE_SIZE}",
        "accounts, deep cursor": f"/api/v1/accounts/?page_size={PAGE_SIZE}&cursor={deep_accounts}",
        "members, first page": members,
        "members, deep cursor": f"{members}&cursor={deep_members}",
        "accounts, country US, first page": f"/api/v1/accounts/?page_size={PAGE_SIZE}&country=US",
    }
    command = [sys.executable, __file__, "--load-generator", base_url, token, json.dumps(urls), str(seconds), str(clients)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=common.REPO_ROOT).stdout
    latencies = json.loads(output.strip().splitlines()[-1])

    last_account = Account.objects.order_by("-id").values_list("id", flat=True)[0]
    baselines = {
        "accounts, first page": orm_page_ms(Account.objects.order_by("id")),
        "accounts, deep cursor": orm_page_ms(Account.objects.filter(id__gt=last_account - 500).order_by("id")),
        "members, first page": orm_page_ms(SegmentMembership.objects.filter(segment=segment, exited_at__isnull=True).select_related("account").order_by("id")),
        "members, deep cursor": orm_page_ms(
            SegmentMembership.objects.filter(segment=segment, exited_at__isnull=True, id__gt=last_member - 500).select_related("account").order_by("id")
        ),
        "accounts, country US, first page": orm_page_ms(Account.objects.filter(country="US").order_by("id")),
    }
    rows = {}
    for name, values in latencies.items():
        rows[name] = (len(values), percentile(values, 0.5), percentile(values, 0.95), *baselines[name])
        count, p50, p95, base50, base95 = rows[name]
        verdict = "ok" if p95 < P95_GOAL_MS else "over goal"
        print(
            f"  {name:30} {count:6} requests  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms ({verdict})"
            f"   ORM page alone p50 {base50:5.1f} ms p95 {base95:5.1f} ms",
            flush=True,
        )
    return rows


def cleanup(token_model=None, first_event_id=None):
    from accounts.models import Account
    from integrations.models import FeedEvent
    from segmentation.models import Segment

    deleted, _ = Account.objects.filter(external_id__startswith=PREFIX).delete()
    Segment.objects.filter(slug=SEGMENT_SLUG).delete()
    if first_event_id is not None:
        # The segment's entries became feed events; they go with it.
        FeedEvent.objects.filter(id__gte=first_event_id, feed="memberships").delete()
    if token_model is not None:
        token_model.delete()
    return deleted


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--load-generator":
        base_url, token, urls, seconds, clients = sys.argv[2:7]
        load_generator(base_url, token, json.loads(urls), float(seconds), int(clients))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20, help="Batches of 1,000 accounts per phase (default 20).")
    parser.add_argument("--seconds", type=float, default=20, help="Seconds of load for the latency test (default 20).")
    parser.add_argument(
        "--clients", default="1,4", help="Client threads of the load process, one run per number (default 1,4)."
    )
    parser.add_argument("--threads", type=int, default=2, help="Concurrent bulk upsert clients (default 2).")
    args = parser.parse_args()

    common.standard_dataset_ensure()
    from django.utils import timezone

    from integrations.services import api_token_create
    from segmentation.services import segment_create, segment_recompute

    print("Machine:", common.machine_description(), flush=True)
    cleanup()
    from integrations.models import FeedEvent

    first_event_id = (FeedEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    token, secret = api_token_create(name="bench_api", scopes=["read", "write"], rate_limit_per_minute=10_000_000)
    port = free_port()
    server = start_server(port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        print(f"Bulk upsert, {args.batches} batches of {BATCH_SIZE} accounts, {args.threads} client threads:", flush=True)
        upserts = measure_upserts(base_url, secret, args.batches, args.threads)

        started = time.perf_counter()
        segment = segment_create(name="Bench API members", slug=SEGMENT_SLUG, lens="firmographic", rule=SEGMENT_RULE, status="active")
        counts = segment_recompute(segment=segment, now=timezone.now())
        print(f"Segment {SEGMENT_SLUG}: {counts.members:,} members, computed in {time.perf_counter() - started:.1f} s", flush=True)
        latency = {}
        for clients in [int(number) for number in args.clients.split(",")]:
            print(f"Latency at page size {PAGE_SIZE}, {clients} client threads in a second process for {args.seconds:.0f} s:", flush=True)
            latency = measure_latency(base_url, secret, args.seconds, clients, segment)
    finally:
        server.terminate()
        server.wait(timeout=30)
        deleted = cleanup(token, first_event_id)
        print(f"Deleted {deleted:,} benchmark rows.", flush=True)

    create_rate = upserts["create"][0]
    print(
        f"Summary: HTTP bulk upsert {create_rate:,.0f} accounts/s creating, {upserts['update'][0]:,.0f} updating "
        f"(goal {UPSERT_GOAL:,}); direct service {upserts['baseline_create']:,.0f}; ratio HTTP/direct "
        f"{create_rate / upserts['baseline_create']:.2f}. Worst p95 in the last load run {max(row[2] for row in latency.values()):.1f} ms "
        f"(goal {P95_GOAL_MS:.0f} ms).",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
