"""The load benchmark behind bench/run. Prints a table and writes var/bench-<label>.json.

Steps: prepare sessions for generated residents and counselors in the dataset, start gunicorn on loopback
with FUCHENG_BENCH=1 (the baseline view), drive each page with wrk in a closed loop (8 connections, three
runs of 10 s: requests per second, with the CPU per request of the workers and of PostgreSQL; bench/wrk.py),
then with 50 people who wait 1–5 s between requests (the latency they see, p95), sample the workers' resident
memory, race 100 POSTs for one slot, then time the follow-up sweep over 100,000 due items in a scratch
database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BASE_DIR), str(BENCH_DIR)]  # the project, and bench/wrk.py when loaded by path (tests)

import wrk  # noqa: E402  # bench/wrk.py: the closed-loop pass


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/fucheng_scale_street")
    parser.add_argument("--label", default=None, help="name of this run (default: the database name)")
    parser.add_argument("--users", type=int, default=50, help="people at once in the pass with waits (p95)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's connections in the closed loop")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page and repeat (wrk)")
    parser.add_argument("--repeat", type=int, default=3, help="wrk runs per page (the median is reported)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--think-min", type=float, default=1.0, help="people's shortest wait between requests (s)")
    parser.add_argument("--think-max", type=float, default=5.0, help="people's longest wait between requests (s)")
    parser.add_argument("--think-duration", type=float, default=30.0, help="seconds per page with people")
    parser.add_argument("--skip-people", action="store_true", help="skip the pass with waits between requests")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--sweep-items", type=int, default=100_000)
    parser.add_argument("--only-sweep", action="store_true", help="time the follow-up sweep alone")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- preparation (in this process, against the same database) -------------------------------------------


def prepare(n_residents: int = 1200, n_counselors: int = 60) -> dict:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count, Q
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils import timezone

    from appointments.models import Slot
    from cases.models import Case
    from centers.models import Center, Resident, User

    center = Center.objects.filter(code__startswith="scale-").order_by("pk").first()
    if center is None:
        sys.exit("No scale dataset here: run `python manage.py seed_scale --preset street` first.")
    station = center.stations.order_by("pk").first()
    now = timezone.now()

    def session_for(user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["fucheng_last_seen"] = int(time.time())
        store.create()
        return store.session_key

    # Residents of the first station get accounts (once), so they can book.
    people = list(
        Resident.objects.filter(center=center, station=station).order_by("pk").select_related("user")[:n_residents]
    )
    residents = []
    for person in people:
        if person.user_id is None:
            user = User.objects.create(username=f"bench-r-{person.pk}", display_name="居民")
            Resident.objects.filter(pk=person.pk).update(user=user)
            person.user = user
        residents.append({"resident": person.pk, "session": session_for(person.user)})

    counselors = []
    for user in (
        User.objects.filter(memberships__center=center, memberships__role="counselor")
        .annotate(open_cases=Count("cases", filter=~Q(cases__stage="closed")))
        .filter(open_cases__gt=0)
        .order_by("pk")[:n_counselors]
    ):
        case_ids = list(Case.objects.filter(counselors=user).order_by("-opened_at").values_list("pk", flat=True)[:20])
        second_factor(user)
        counselors.append({"user": user.pk, "session": session_for(user), "cases": case_ids})
    dashboards = prepare_dashboards(center, station, session_for)

    # Free future times at the center, in time order, for the booking POSTs (each used once) and the race
    # (the last one): all within the online booking horizon, or every POST would be refused as too far ahead.
    from django.conf import settings

    horizon = now + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS) - dt.timedelta(hours=12)
    free = list(
        Slot.objects.filter(center=center, status="open", starts_at__gt=now + dt.timedelta(days=2))
        .filter(starts_at__lt=horizon)
        .exclude(appointments__status__in=["booked", "checked_in", "completed", "no_show"])
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)[:20000]
    )
    return {
        "center": center.pk,
        "station": station.pk,
        "residents": residents,
        "counselors": counselors,
        "free_slots": free,
        "csrf": _get_new_csrf_string(),
        **dashboards,
    }


def second_factor(user) -> None:
    """Staff pages need an authenticator app on the account (the bench never signs in through it)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "MZ2WG2DFNZTS2ZDFNVXS2MBSGZQWE4TD")


def prepare_dashboards(center, station, session_for) -> dict:
    """An official and a supervisor of the center, the month's summary refresh (timed), and last quarter's
    evaluations opened (timed), scored and published, so the official's pages have something to show."""
    from decimal import Decimal

    from django.utils import timezone

    from centers.models import Center, Membership, Role, User
    from centers.reporting.evaluations import services as evaluation_services
    from centers.reporting.evaluations.figures import previous_quarter, quarter_of
    from centers.reporting.evaluations.models import EvaluationCriterion, StationEvaluation
    from centers.reporting.statistics.services import month_start, summaries_refresh

    people = {}
    for role in (Role.OFFICIAL, Role.SUPERVISOR):
        user, _ = User.objects.get_or_create(username=f"bench-{role}", defaults={"display_name": f"bench {role}"})
        Membership.objects.get_or_create(user=user, center=center, role=role, defaults={"is_active": True})
        second_factor(user)
        people[role] = user
    today = timezone.localdate()
    began = time.perf_counter()
    summaries_refresh(center=center, since=month_start(today), weeks_since=today)
    month_refresh = time.perf_counter() - began
    began = time.perf_counter()
    summaries_refresh(center=center)
    window_refresh = time.perf_counter() - began
    # The month for every center of the dataset (street: 1, district: 8), one after another.
    centers = list(Center.objects.filter(code__startswith="scale-").order_by("pk"))
    began = time.perf_counter()
    for each in centers:
        summaries_refresh(center=each, since=month_start(today), weeks_since=today)
    all_month_refresh = time.perf_counter() - began
    year, quarter = previous_quarter(*quarter_of(today))
    began = time.perf_counter()
    evaluation_services.evaluation_quarter_open(
        center=center, year=year, quarter=quarter, actor=people[Role.SUPERVISOR]
    )
    open_quarter = time.perf_counter() - began
    evaluation = StationEvaluation.objects.get(station=station, year=year, quarter=quarter)
    if not evaluation.is_published:
        criteria = EvaluationCriterion.objects.filter(center=center, is_active=True)
        evaluation_services.evaluation_score(
            evaluation=evaluation, actor=people[Role.SUPERVISOR], scores={c.pk: Decimal(8) for c in criteria}
        )
        evaluation_services.evaluation_publish(evaluation=evaluation, actor=people[Role.SUPERVISOR])
    print(
        f"bench: summary refresh, this month {month_refresh:.2f} s, recent window {window_refresh:.2f} s, "
        f"this month for all {len(centers)} centers {all_month_refresh:.2f} s; "
        f"opening a quarter's 16 evaluations {open_quarter:.2f} s",
        flush=True,
    )
    return {
        "official": session_for(people[Role.OFFICIAL]),
        "evaluation": evaluation.pk,
        "timings": {
            "summary_refresh_month_s": month_refresh,
            "summary_refresh_window_s": window_refresh,
            "summary_refresh_month_all_centers_s": all_month_refresh,
            "centers": len(centers),
            "open_quarter_s": open_quarter,
        },
    }


# --- load generation -----------------------------------------------------------------------------------


class Load:
    """N threads, each with its own keep-alive connection, requesting until the deadline.

    Without ``think`` every client sends its next request the moment the last one is answered (a closed
    loop: it measures how many requests per second the server can give). With ``think=(a, b)`` each client
    is a person: it waits a random a–b seconds after each answer before the next request, and the clients
    start at random moments over the first b seconds, as locust's ``wait_time = between(a, b)`` users do;
    that measures the latency people see when that many use the page at once.
    """

    def __init__(self, port: int, users: int, duration: float, think: tuple[float, float] | None = None):
        self.port, self.users, self.duration, self.think = port, users, duration, think

    def run(self, make_request) -> dict:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors = [0]
        lock = threading.Lock()
        start_gate = threading.Barrier(self.users)
        deadline = [0.0]

        def worker(index: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            local_lat, local_status, local_err = [], {}, 0
            pause = random.Random(index)  # the same waits in every run
            start_gate.wait()
            if self.think:
                time.sleep(pause.uniform(0, self.think[1]))
            n = 0
            while time.monotonic() < deadline[0]:
                try:
                    method, path, body, headers = make_request(index, n)
                except StopIteration:  # the booking POSTs have used every free time: this client is done
                    break
                n += 1
                began = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    local_err += 1
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    continue
                local_lat.append(time.perf_counter() - began)
                local_status[response.status] = local_status.get(response.status, 0) + 1
                if self.think:
                    time.sleep(min(pause.uniform(*self.think), max(0.0, deadline[0] - time.monotonic())))
            conn.close()
            with lock:
                latencies.extend(local_lat)
                errors[0] += local_err
                for code, count in local_status.items():
                    statuses[code] = statuses.get(code, 0) + count

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(self.users)]
        deadline[0] = time.monotonic() + self.duration + 0.5
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        latencies.sort()

        def pct(p: float) -> float:
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

        return {
            "requests": len(latencies),
            "rps": len(latencies) / elapsed,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "statuses": statuses,
            "errors": errors[0],
        }


class RssSampler(threading.Thread):
    """Largest resident memory of any gunicorn worker (children of the master) while it runs."""

    def __init__(self, master_pid: int):
        super().__init__(daemon=True)
        self.master_pid, self.peak_kb, self.stop_flag = master_pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop_flag.is_set():
            for pid in _children(self.master_pid):
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.5)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- the run -------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fucheng.settings")
    os.environ["FUCHENG_BENCH"] = "1"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    # As in production: the shared cache keeps roles and second-factor state between requests.
    os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/8")
    label = args.label or urllib.parse.urlparse(args.db_url).path.strip("/")
    print(
        f"bench: {label}  nproc={os.cpu_count()}  wrk connections={args.connections}  {args.repeat} × {args.duration:g} s"
        f" per page  people={args.users}  workers={args.workers}"
    )
    print(f"bench: load average before start {os.getloadavg()}")
    if args.only_sweep:
        print(f"follow-up sweep: {run_sweep(args.sweep_items)}  load average after: {os.getloadavg()}")
        return
    data = prepare()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fucheng.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=dict(os.environ, DJANGO_CONN_MAX_AGE="600"),
    )
    results: dict = {
        "label": label,
        "nproc": os.cpu_count(),
        "users": args.users,
        "connections": args.connections,
        "repeat": args.repeat,
        "duration": args.duration,
        "workers": args.workers,
        "pages": {},
    }
    try:
        _wait_http(port)
        sampler = RssSampler(server.pid)
        sampler.start()
        results["pages"] = run_pages(port, server.pid, args, data)
        if not args.skip_people:
            results["people"] = run_people(port, args, data)
            results["think_s"] = [args.think_min, args.think_max]
        sampler.stop_flag.set()
        results["worker_rss_peak_mb"] = sampler.peak_kb / 1024
        results["race"] = run_race(port, data)
        results["timings"] = data["timings"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not args.skip_sweep:
        results["sweep"] = run_sweep(args.sweep_items)
    results["load_average_after"] = os.getloadavg()
    report(results)
    out = BASE_DIR / "var" / f"bench-{label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"bench: results written to {out}")


def _wait_http(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer")


def _headers(session: str, csrf: str, *, post: bool = False) -> dict:
    headers = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "Host": "127.0.0.1"}
    if post:
        headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf})
    return headers


def page_requests(data: dict) -> list:
    """(name, make_request) for the baseline and every benchmarked page."""
    residents, counselors, csrf = data["residents"], data["counselors"], data["csrf"]
    station = data["station"]
    # one pass over the free times for the whole run: a time booked in the first pass is not offered again
    # (the last free time is kept for the race)
    free = data.setdefault("free_iter", iter(data["free_slots"][:-1]))
    free_lock = threading.Lock()

    def baseline(i, n):
        return "GET", f"/bench/baseline/{station}/", None, {"Host": "127.0.0.1"}

    def baseline_signed_in(i, n):
        # The same view for a signed-in staff member: what sessions, roles and the second-factor check
        # cost before any page's own work (reported beside the pages; ratios stay against the baseline).
        return "GET", f"/bench/baseline/{station}/", None, _headers(data["official"], csrf)

    def availability(i, n):
        person = residents[(i * 7 + n) % len(residents)]
        return (
            "GET",
            f"/appointments/book/?service=face_to_face&where=s{station}",
            None,
            _headers(person["session"], csrf),
        )

    booking_people = data.setdefault("people_iter", iter(range(10**9)))

    def booking(i, n):
        with free_lock:
            slot = next(free)
            person = residents[next(booking_people) % len(residents)]
        body = urllib.parse.urlencode({"for_whom": person["resident"], "reason": ""})
        return "POST", f"/appointments/book/{slot}/", body, _headers(person["session"], csrf, post=True)

    def workspace(i, n):
        who = counselors[(i + n) % len(counselors)]
        return "GET", "/cases/workspace/", None, _headers(who["session"], csrf)

    def timeline(i, n):
        who = counselors[(i + n) % len(counselors)]
        case = who["cases"][n % len(who["cases"])]
        return "GET", f"/cases/{case}/", None, _headers(who["session"], csrf)

    def dashboard(i, n):
        # The officials' statistics dashboard (monthly tables and charts of the center); /dashboard/ itself
        # is only the page of links to it, and was what earlier runs measured.
        return "GET", "/statistics/", None, _headers(data["official"], csrf)

    def evaluation(i, n):
        return "GET", f"/evaluations/{data['evaluation']}/", None, _headers(data["official"], csrf)

    return [
        ("baseline", baseline),
        ("baseline, signed in", baseline_signed_in),
        ("availability", availability),
        ("booking POST", booking),
        ("counselor workspace", workspace),
        ("case timeline", timeline),
        ("official dashboard", dashboard),
        ("station evaluation", evaluation),
    ]


def run_pages(port: int, master_pid: int, args, data: dict) -> dict:
    """Each page driven by wrk in a closed loop, --repeat times: the median run's requests per second (with
    the spread), latency and CPU per request (gunicorn workers and PostgreSQL, from /proc)."""
    wrk_path = wrk.ensure_wrk()
    pages = {}
    requests = page_requests(data)
    for name, make in requests:
        # The page's requests, as many people as the page has (a booking POST uses a free time up: enough
        # distinct ones for every run at a few hundred a second; a repeat after that is refused cleanly).
        listed = page_request_list(make, count=4000 if name == "booking POST" else 400, clients=args.connections)
        # a short warm-up on the page itself (the baseline before the POSTs: a booking uses its time up)
        warm = listed if name != "booking POST" else [make_baseline(data)]
        wrk.run(wrk_path, port, master_pid, warm, connections=args.connections, duration=2)
        runs = []
        for repeat in range(args.repeat):
            print(f"bench: {name} ({repeat + 1}/{args.repeat}) …", flush=True)
            runs.append(
                wrk.run(wrk_path, port, master_pid, listed, connections=args.connections, duration=args.duration)
            )
        pages[name] = wrk.summarise(runs)
    return pages


def page_request_list(make, *, count: int, clients: int) -> list:
    """Up to `count` requests of a page, as `clients` connections would send them one after another; fewer
    when the page's requests run out (the booking POSTs use up the free times)."""
    listed = []
    for i in range(count):
        try:
            listed.append(make(i % clients, i // clients))
        except StopIteration:
            break
    return listed


def make_baseline(data: dict) -> tuple:
    return "GET", f"/bench/baseline/{data['station']}/", None, {"Host": "127.0.0.1"}


def run_people(port: int, args, data: dict) -> dict:
    """Each page used by N people at once, each waiting think-min to think-max seconds between requests."""
    load = Load(port, args.users, args.think_duration, think=(args.think_min, args.think_max))
    people = {}
    for name, make in page_requests(data):
        print(f"bench: {name}, {args.users} people …", flush=True)
        people[name] = load.run(make)
    return people


def run_race(port: int, data: dict) -> dict:
    """100 residents POST for the same free slot at the same moment: one booking, 99 clean refusals."""
    import django.db

    from appointments.models import ACTIVE_Q, Appointment, Slot

    slot = data["free_slots"][-1]
    # Residents with nothing booked at that hour (earlier runs on the same database booked for these
    # accounts, and the race winner of the last run holds a time at this hour): a refusal must be the
    # race's "just taken", not "already has an appointment at that time".
    when = Slot.objects.get(pk=slot)
    busy = set(
        Appointment.objects.filter(ACTIVE_Q, starts_at__lt=when.ends_at, ends_at__gt=when.starts_at).values_list(
            "resident_id", flat=True
        )
    )
    people = [p for p in data["residents"] if p["resident"] not in busy][-100:]
    if len(people) < 100:
        return {"slot": slot, "error": f"only {len(people)} bench residents are free at that hour"}
    gate = threading.Barrier(len(people))
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post(person):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        body = urllib.parse.urlencode({"for_whom": person["resident"], "reason": ""})
        gate.wait()
        try:
            conn.request(
                "POST",
                f"/appointments/book/{slot}/",
                body=body,
                headers=_headers(person["session"], data["csrf"], post=True),
            )
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            result = (
                response.status,
                response.getheader("Location") or ("taken" if "slot-taken" in text or "已被" in text else text[:0]),
            )
        except OSError as exc:
            result = (0, str(exc))
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    django.db.connections.close_all()
    booked = Appointment.objects.filter(slot_id=slot).exclude(status="cancelled").count()
    codes: dict[int, int] = {}
    for code, _ in outcomes:
        codes[code] = codes.get(code, 0) + 1
    return {
        "slot": slot,
        "bookings_in_db": booked,
        "statuses": codes,
        "redirects_to_appointment": sum(
            1 for c, loc in outcomes if c == 302 and re.search(r"/appointments/\d+/$", loc)
        ),
        "slot_taken_pages": sum(1 for c, loc in outcomes if c == 200 and loc == "taken"),
        "other_refusals": sum(1 for c, loc in outcomes if c == 200 and loc != "taken"),
        "server_errors": sum(1 for c, _ in outcomes if c >= 500 or c == 0),
    }


def run_sweep(items: int) -> dict:
    """Create `items` overdue follow-ups in a scratch database and time one follow-up sweep over them."""
    url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
    scratch = "fucheng_bench_sweep"
    admin = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *admin, scratch], check=True)  # noqa: S603, S607
    subprocess.run(["createdb", *admin, scratch], check=True)  # noqa: S603, S607
    scratch_url = url._replace(path=f"/{scratch}").geturl()
    env = dict(os.environ, DATABASE_URL=scratch_url)
    code = f"""
import time, datetime as dt, random
import django; django.setup()
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
call_command("seed_scale", preset="tiny")
from cases.bulkload import load, next_id, reset_sequence
from cases.models import Case, FollowUp
from cases.services import follow_ups
cases = list(Case.objects.exclude(stage="closed").values_list("pk", "center_id", "station_id"))
now = timezone.now()
first = next_id(FollowUp)
rows = ({{"id": first + i, "case_id": c[0], "center_id": c[1], "station_id": c[2], "kind": "reassessment",
         "due_at": now - dt.timedelta(days=2 + i % 5)}} for i, c in enumerate(cases[i % len(cases)] for i in range({items})))
load(FollowUp, rows, total={items}, label="follow-ups")
reset_sequence(FollowUp)
began = time.monotonic()
changed = follow_ups.follow_ups_escalate_due(now=now)
print("SWEEP", changed, time.monotonic() - began)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S603
    for line in out.stdout.splitlines():
        if line.startswith("SWEEP"):
            _, changed, seconds = line.split()
            return {"items": items, "escalated": int(changed), "seconds": float(seconds)}
    return {"items": items, "error": out.stderr[-2000:]}


def clean(row: dict) -> bool:
    """No connection errors and no server errors among the answers."""
    return not row["errors"] and all(int(code) < 500 for code in row["statuses"])


def report(results: dict) -> None:
    pages = results["pages"]
    signed_in = pages.get("baseline, signed in", {}).get("rps") or float("nan")
    print()
    print(
        f"wrk, {results.get('connections')} connections, median of {results.get('repeat')} runs; "
        "ratio to the signed-in baseline; CPU per request in ms"
    )
    print(
        f"{'page':<22}{'req/s':>9}{'spread':>16}{'ratio':>7}{'worker':>8}{'pg':>7}{'p50 ms':>8}{'p95 ms':>8}"
        "  statuses / errors"
    )
    for name, row in pages.items():
        spread = f"{row.get('rps_min', row['rps']):.1f}–{row.get('rps_max', row['rps']):.1f}"
        print(
            f"{name:<22}{row['rps']:>9.1f}{spread:>16}{row['rps'] / signed_in:>7.3f}"
            f"{row.get('cpu_worker_ms', float('nan')):>8.1f}{row.get('cpu_postgres_ms', float('nan')):>7.1f}"
            f"{row['p50_ms']:>8.1f}{row['p95_ms']:>8.1f}  {row['statuses']} / {row['errors']}"
        )
    if results.get("people"):
        low, high = results["think_s"]
        print()
        print(
            f"{results['users']} people at once, each waiting {low:g}–{high:g} s between requests (p95 target < 100 ms)"
        )
        print(f"{'page':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  p95 < 100 ms  statuses / errors")
        for name, row in results["people"].items():
            verdict = "met" if row["p95_ms"] < 100 and clean(row) else "MISSED"
            print(
                f"{name:<22}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
                f"  {verdict:<12}  {row['statuses']} / {row['errors']}"
            )
    print(f"dashboards: {results.get('timings')}")
    print(f"gunicorn worker peak RSS under load: {results.get('worker_rss_peak_mb', 0):.0f} MB")
    race = results.get("race")
    if race:
        met = race.get("bookings_in_db") == 1 and race.get("slot_taken_pages") == 99 and race.get("server_errors") == 0
        print(f"100 concurrent POSTs for one slot: {'met' if met else 'MISSED'} {race}")
    else:
        print("100 concurrent POSTs for one slot: not run")
    print(f"follow-up sweep: {results.get('sweep')}")
    print(f"load average after: {results.get('load_average_after')}")


if __name__ == "__main__":
    main()
