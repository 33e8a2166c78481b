"""The city rehearsal: a stateless web tier, proven on loopback.

One command starts, all private to the run: a PostgreSQL primary (initdb) and a streaming standby made from it
(pg_basebackup), PgBouncer in transaction mode in front of the primary, a Redis of its own, two gunicorn
instances behind HAProxy (Debian's package; round robin, health checks on /healthz, failed connections sent to
the other instance), a Celery worker for the `crisis` queue and one for `default,bulk`, Celery beat, the outbox
dispatcher, and a local stand-in for Alibaba Cloud's SendSms API. The portal reaches PostgreSQL only through
PgBouncer and reads its reporting work from the standby (DATABASE_REPLICA_URL).

Then, as people through the proxy, with the real forms and their CSRF tokens:

- sign-in: residents sign in once; every later page is answered signed in, by either instance;
- booking race: residents press "confirm" on the same free time at the same moment: one booking;
- crisis: the bulk queue is flooded with long tasks; residents send a PHQ-9 with item 9 = 3; in the middle,
  one web instance and the crisis worker are killed (`kill -9` of their process groups); the worker is
  restarted 3 s later, the web instance after the cries. Whoever gets an error page or no answer sends again,
  as a person would. Signed-in residents keep reading their pages all through it.
- reporting: a street official's statistics pages, read from the standby (its table scans counted).

It reports what was lost or duplicated (cries stored per person, outbox rows per cry, messages per row as the
SMS stand-in and the mail files received them), the delay from a cry to its first message with the bulk queue
full, the replica's lag observed all through, and, with wrk against the proxy, requests per second per web
core. It writes everything to var/city.json and exits 1 when anything was lost or duplicated.

Run: bench/city [--residents 6] [--racers 12] [--no-wrk]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
sys.path[:0] = [str(BASE_DIR), str(BENCH_DIR)]

import rehearse  # noqa: E402  # bench/rehearse.py: the people's browsers, the stack, the message counts
import wrk  # noqa: E402  # bench/wrk.py: the closed-loop load and CPU per request
from django.core.management import call_command  # noqa: E402  # (used after rehearse.prepare sets Django up)
from rehearse import Browser, Report, Stack, free_port, new_residents, now, signed_in, wait_for  # noqa: E402

from tests.faults.pgbouncer import PrivatePgBouncer  # noqa: E402
from tests.faults.standby import PrivateStandby  # noqa: E402

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
WEB = ("web1", "web2")
SIGNED_IN_PAGE = "/appointments/mine/"
FLOOD = 20  # long bulk tasks queued before the cries: a minute of work for the bulk worker
FLOOD_SECONDS = 3

_HAPROXY_CONFIG = """\
global
    maxconn 1024
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    option forwardfor
    # A connection refused by a dead instance is tried on the other one; so is a GET the dying instance dropped
    # (a POST it dropped is never sent twice: the person sees the error page with the hotlines, and sends again).
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout
{errorfiles}
frontend portal
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    http-request disable-l7-retry unless METH_GET
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-response set-header X-Served-By %[srv_name]
{servers}
"""


class City(Stack):
    """The stack of bench/rehearse, grown to two web instances behind a proxy, PgBouncer and a standby."""

    def __init__(self, root: Path, *, sms):
        super().__init__(root, sms=sms)
        self.standby = PrivateStandby(self.cluster, root / "standby")
        self.pooler: PrivatePgBouncer | None = None
        self.web_ports = {name: free_port() for name in WEB}

    def env(self) -> dict[str, str]:
        assert self.pooler is not None
        return {
            **super().env(),
            "DATABASE_URL": self.pooler.url(self.cluster.database),
            "DATABASE_POOLER": "pgbouncer-transaction",
            "DATABASE_REPLICA_URL": self.standby.url_for(self.cluster.database),
            "FUCHENG_TRUSTED_PROXY_COUNT": "1",  # HAProxy adds the client's address to X-Forwarded-For
        }

    def start_servers(self) -> None:
        super().start_servers()
        # two instances of two workers, three Celery processes, beat, the dispatcher and this process share it
        self.pooler = PrivatePgBouncer(server_port=self.cluster.port, pool_size=10, root=self.root / "pgbouncer")
        self.pooler.start()

    def start_standby(self) -> None:
        """After the database is migrated and seeded: the standby starts from a copy of it and streams on."""
        self.standby.init()

    def command(self, name: str) -> list[str]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "fucheng", "worker", "--loglevel", "INFO"]
        if name in WEB:
            bind = f"127.0.0.1:{self.web_ports[name]}"
            return [python, "-m", "gunicorn", "fucheng.wsgi", "--bind", bind, "--workers", "2", "--timeout", "60"]
        if name == "crisis-worker":
            return celery + ["--queues", "crisis", "--hostname", "crisis@%h", "--concurrency", "2"]
        if name == "default-worker":
            # the flood's long task is loaded into this worker only (tests/faults/slow_tasks.py)
            return (
                celery
                + ["--queues", "default,bulk", "--hostname", "default@%h", "--concurrency", "1"]
                + [
                    "--include",
                    "tests.faults.slow_tasks",
                ]
            )
        if name == "proxy":
            config = self.root / "haproxy.cfg"
            servers = "\n".join(
                f"    server {web} 127.0.0.1:{port} check inter 500ms fall 2 rise 2"
                for web, port in self.web_ports.items()
            )
            errorfiles = "\n".join(
                f"    errorfile {status} {self.root / 'errors' / f'{status}.http'}" for status in (502, 503, 504)
            )
            config.write_text(_HAPROXY_CONFIG.format(port=self.port, servers=servers, errorfiles=errorfiles))
            return [HAPROXY, "-db", "-f", str(config)]
        return super().command(name)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        for server in (self.pooler, self.standby):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.remove()
        super().stop()


# --- What people do -------------------------------------------------------------------------------------


def sign_in_all(city: City, people: list[dict]) -> tuple[list[Browser], dict]:
    """Each person signs in through the proxy's sign-in form, then opens their page six times."""
    browsers, served, failures = [], Counter(), []
    for person in people:
        browser = Browser(city.base)
        if not signed_in(browser.sign_in(person["login"])):
            failures.append(person["login"])
            continue
        browsers.append(browser)
        for _ in range(6):
            answer = browser.get(SIGNED_IN_PAGE)
            served[answer.served_by if answer.status == 200 else f"HTTP {answer.status}"] += 1
    return browsers, {"people": len(people), "sign-ins failed": len(failures), "pages served by": dict(served)}


def free_slot(center_id: int) -> int:
    """A free time at the people's center, inside the online booking horizon."""
    from django.conf import settings
    from django.db import close_old_connections

    from appointments.models import Slot

    close_old_connections()
    start = now() + dt.timedelta(days=2)
    horizon = now() + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS) - dt.timedelta(hours=12)
    return (
        Slot.objects.filter(center_id=center_id, status="open", starts_at__gt=start, starts_at__lt=horizon)
        .exclude(appointments__status__in=["booked", "checked_in", "completed", "no_show"])
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def booking_race(city: City, racers: int) -> dict:
    """Residents open the same free time's page, then all press "confirm" at once, across both instances."""
    from django.db import close_old_connections

    from appointments.models import ACTIVE_Q, Appointment
    from centers.models import Resident

    people = new_residents("race", racers)
    center = Resident.objects.get(pk=people[0]["resident"]).center_id
    slot = free_slot(center)
    ready = []
    for person in people:
        browser = Browser(city.base)
        if not signed_in(browser.sign_in(person["login"])):
            raise RuntimeError(f"{person['login']} could not sign in for the race")
        browser.get(f"/appointments/book/{slot}/")
        ready.append((browser, person))
    gate = threading.Barrier(len(ready))
    outcomes: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def press(browser: Browser, person: dict) -> None:
        gate.wait()
        answer = browser.post(f"/appointments/book/{slot}/", [("for_whom", str(person["resident"])), ("reason", "")])
        kind = "booked" if answer.status == 302 and "/appointments/" in answer.location else ""
        kind = kind or ("taken" if answer.status == 200 and "slot-taken" in answer.body else f"HTTP {answer.status}")
        with lock:
            outcomes.append((answer.status, kind, answer.served_by))

    threads = [threading.Thread(target=press, args=pair) for pair in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return {
        "racers": len(ready),
        "bookings in the database": Appointment.objects.filter(ACTIVE_Q, slot_id=slot).count(),
        "answers": dict(Counter(kind for _status, kind, _by in outcomes)),
        "answered by": dict(Counter(by for _status, _kind, by in outcomes)),
        "server errors": sum(1 for status, _kind, _by in outcomes if status == 0 or status >= 500),
    }


class Readers:
    """Signed-in people reading their page over and over while the faults strike: what they saw."""

    def __init__(self, browsers: list[Browser]):
        self.browsers = browsers
        self.seen: Counter = Counter()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(b,)) for b in browsers]

    def _read(self, browser: Browser) -> None:
        while not self.stop.is_set():
            answer = browser.get(SIGNED_IN_PAGE)
            if answer.status == 200:
                self.seen[f"signed-in page from {answer.served_by}"] += 1
            elif answer.status == 302:
                self.seen["sent to sign in again"] += 1
            else:
                self.seen[f"HTTP {answer.status}" if answer.status else "no answer"] += 1
            time.sleep(0.05)

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def flood_bulk() -> None:
    from fucheng.celery import app

    for _ in range(FLOOD):
        app.send_task("tests.faults.slow", args=[FLOOD_SECONDS], queue="bulk")


def crisis_under_kills(city: City, residents: int, readers: list[Browser]) -> tuple[Report, dict]:
    """Cries for help with the bulk queue full; a web instance and the crisis worker killed in the middle."""
    report = Report("crisis, web1 and the crisis worker killed")
    people = new_residents("city", residents)
    ready = rehearse.ready_to_cry(city, people)
    flood_bulk()
    since, cry_at, sent_again = now(), {}, []
    answers: dict[int, rehearse.Answer] = {}

    def cry(browser: Browser, person: dict, fields) -> None:
        path = f"/cases/self-check/{person['resident']}/phq9/"
        cry_at[person["resident"]] = now()
        answer = browser.post(path, fields)
        report.cries += 1
        report.saw[rehearse.seen(answer)] += 1
        if answer.status == 0 or answer.status >= 500:
            # an error page or no answer: the person sends the same answers again, once the page is back
            sent_again.append(person["resident"])
            time.sleep(1)
            answer = browser.post(path, fields)
            report.saw["then, sending again: " + rehearse.seen(answer)] += 1
        report.errors += answer.status == 0 or answer.status >= 500
        answers[person["resident"]] = answer

    with Readers(readers) as reading:
        time.sleep(1)
        threads = [threading.Thread(target=cry, args=args) for args in ready]
        for thread in threads:
            thread.start()
            time.sleep(0.1)
        time.sleep(0.2)
        city.kill("web1")
        city.kill("crisis-worker")
        for thread in threads:
            thread.join()
        time.sleep(3)
        city.start("crisis-worker")
        city.start("web1")
        wait_for(lambda: web_serves(city, "web1"), timeout=60, what="web1 back behind the proxy")
        time.sleep(2)
    report.measure(city, [p["resident"] for p in people], since, cry_at)
    stored = stored_per_person([p["resident"] for p in people], since)
    extra = {
        **alerts_reached(city, [p["resident"] for p in people], since),
        "sent again after an error": len(sent_again),
        "people with no cry stored": sum(1 for n in stored.values() if n == 0),
        "people with two cries stored": sum(1 for n in stored.values() if n > 1),
        "readers saw": dict(reading.seen),
    }
    return report, extra


def alerts_reached(city: City, residents: list[int], since: dt.datetime) -> dict:
    """Per alert message (a notification, on all its channels): did it reach the person on at least one?

    A row whose sender was killed while handing it over is `uncertain` and never sent again on that channel
    (the providers would deliver a repeat twice): the notification's other channel (the email beside the SMS),
    or its fall-through after the receipt wait, carries it. So an alert is lost only if none of its rows arrived.
    """
    sms = Counter(params.get("OutId", "") for params in city.sms.state.accepted)
    mail = rehearse.mail_counts(city.mail_dir)
    arrived_per_alert: Counter = Counter()
    uncertain_not_arrived = 0
    for messages in rehearse.rows_of(residents, since).values():
        for message in messages:
            origin = message.idempotency_key.split(">")[0].removesuffix(":wecom")
            arrived = sms[message.idempotency_key] + mail[message.idempotency_key]
            if message.channel == "wecom":
                arrived = int(message.status in {"sent", "delivered"})
            arrived_per_alert[origin] += min(arrived, 1)
            uncertain_not_arrived += message.status == "uncertain" and arrived == 0
    return {
        "alert messages": len(arrived_per_alert),
        "alert messages that reached no channel": sum(1 for n in arrived_per_alert.values() if n == 0),
        "rows cut while handed over (sent on the next channel)": uncertain_not_arrived,
    }


def web_serves(city: City, name: str) -> bool:
    """The proxy sends requests to `name` again (its health checks passed)."""
    return any(Browser(city.base).get("/healthz").served_by == name for _ in range(4))


def stored_per_person(residents: list[int], since: dt.datetime) -> dict[int, int]:
    from django.db import close_old_connections

    from cases.screenings.models import Screening

    close_old_connections()
    counts = Counter(
        Screening.objects.filter(resident_id__in=residents, taken_at__gte=since).values_list("resident_id", flat=True)
    )
    return {pk: counts[pk] for pk in residents}


# --- The standby ------------------------------------------------------------------------------------------


class LagWatch:
    """Samples the standby's replay lag twice a second all through the run (bytes and seconds)."""

    def __init__(self, city: City):
        self.city = city
        self.samples: list[tuple[int, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        import psycopg2

        primary = psycopg2.connect(host="127.0.0.1", port=self.city.cluster.port, user="postgres", dbname="postgres")
        standby = psycopg2.connect(host="127.0.0.1", port=self.city.standby.port, user="postgres", dbname="postgres")
        primary.autocommit = standby.autocommit = True
        try:
            while not self.stop.is_set():
                with primary.cursor() as cursor:
                    cursor.execute("SELECT pg_current_wal_lsn()")
                    written = cursor.fetchone()[0]
                with standby.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()),"
                        " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                        " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END",
                        [written],
                    )
                    behind, seconds = cursor.fetchone()
                self.samples.append((max(0, int(behind)), float(seconds or 0)))
                time.sleep(0.5)
        finally:
            primary.close()
            standby.close()

    def __enter__(self) -> LagWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def summary(self) -> dict:
        if not self.samples:
            return {"samples": 0}
        behind = sorted(b for b, _ in self.samples)
        seconds = sorted(s for _, s in self.samples)
        return {
            "samples": len(self.samples),
            "bytes behind, median": behind[len(behind) // 2],
            "bytes behind, max": behind[-1],
            "replay delay s, max": round(seconds[-1], 3),
        }


# A backend that has gone idle publishes its table statistics within this long (PostgreSQL's idle interval).
STATS_FLUSH_SECONDS = 11


def standby_scans(city: City) -> int:
    """Scans of the portal's tables the standby has served (its own statistics; the router's lag query reads
    no table, so only the pages' reads count here)."""
    import psycopg2

    connection = psycopg2.connect(
        host="127.0.0.1", port=city.standby.port, user="postgres", dbname=city.cluster.database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables"
            )
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def official_reads(city: City) -> dict:
    """A street official's statistics and early-warning pages, through the proxy: read on the standby."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import close_old_connections

    from centers.models import Role, User

    close_old_connections()
    official = User.objects.filter(memberships__role=Role.OFFICIAL, memberships__is_active=True).first()
    if not Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(official, "MZ2WG2DFNZTS2ZDFNVXS2MBSGZQWE4TD")  # staff pages need an authenticator on file
    store = SessionStore()
    store.update(
        {
            SESSION_KEY: str(official.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: official.get_session_auth_hash(),
            "fucheng_last_seen": int(time.time()),
        }
    )
    store.create()
    browser = Browser(city.base)
    browser.jar.set_cookie(_cookie("sessionid", store.session_key))
    city.standby.wait_caught_up(timeout=30)
    time.sleep(STATS_FLUSH_SECONDS)  # whatever the standby served before is counted in `before`
    before = standby_scans(city)
    pages = {path: browser.get(path).status for path in ("/statistics/", "/statistics/early-warning/")}
    time.sleep(STATS_FLUSH_SECONDS)
    return {"pages": pages, "tables scanned on the standby": standby_scans(city) - before}


def _cookie(name: str, value: str):
    import http.cookiejar

    return http.cookiejar.Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}
    )


# --- Requests per second per web core --------------------------------------------------------------------


def throughput(city: City, browsers: list[Browser], *, seconds: float, repeats: int) -> dict:
    """wrk through the proxy on a resident's signed-in page, with both instances up; CPU of both instances."""
    binary = wrk.ensure_wrk()
    requests = []
    for browser in browsers:
        cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
        requests.append(("GET", SIGNED_IN_PAGE, None, {"Cookie": cookies, "Host": "127.0.0.1"}))
    runs = []
    for _ in range(repeats):
        other = city.processes["web2"].pid
        before = wrk.cpu_snapshot(other)
        result = wrk.run(binary, city.port, city.processes["web1"].pid, requests, connections=8, duration=seconds)
        after = wrk.cpu_snapshot(other)
        second = wrk.cpu_used(before, after)["worker"] * 1000 / max(1, result["requests"])
        result["cpu_worker_ms"] += second  # both instances' workers, per request
        result["rps_per_web_core"] = 1000 / result["cpu_worker_ms"] if result["cpu_worker_ms"] else None
        runs.append(result)
    summary = wrk.summarise(runs)
    summary["rps_per_web_core"] = 1000 / summary["cpu_worker_ms"] if summary["cpu_worker_ms"] else None
    summary.pop("runs")
    return {key: round(value, 2) if isinstance(value, float) else value for key, value in summary.items()}


# --- The run ---------------------------------------------------------------------------------------------


def verdict(result: dict) -> list[str]:
    """What was lost, duplicated or failed: empty when the rehearsal passed."""
    problems = []
    sign_in, race, crisis = result["sign-in"], result["booking race"], result["crisis"]
    if sign_in["sign-ins failed"] or len([k for k in sign_in["pages served by"] if k in WEB]) < 2:
        problems.append("sign-in: a sign-in failed, or one instance served no signed-in page")
    if race["bookings in the database"] != 1 or race["server errors"] or race["answers"].get("booked") != 1:
        problems.append("booking race: not exactly one booking with clean refusals")
    if crisis["people with no cry stored"] or crisis["cries without a message"]:
        problems.append("crisis: a cry or its message was lost")
    if crisis["people with two cries stored"]:
        problems.append("crisis: a cry sent again was stored twice")
    if crisis["rows sent twice"]:
        problems.append("crisis: a message arrived twice")
    if crisis["alert messages that reached no channel"] or crisis["rows marked sent that never arrived"]:
        problems.append(
            "crisis: an alert message reached the person on no channel, or was marked sent and never arrived"
        )
    unexplained = crisis["rows not sent"] - crisis["rows cut while handed over (sent on the next channel)"]
    if unexplained:
        problems.append("crisis: a row was not sent, and not because its sender was killed while handing it over")
    if crisis["5xx (not the resend page)"]:
        problems.append("crisis: a person was left with an error after sending again")
    if (crisis["first message, worst (s)"] or 999) > 60:
        problems.append("crisis: a first message took longer than the minute sweep interval")
    if crisis["readers saw"].get("sent to sign in again"):
        problems.append("sign-in: a signed-in reader was sent to sign in again")
    reads = result["reporting"]
    if any(status != 200 for status in reads["pages"].values()) or reads["tables scanned on the standby"] < 2:
        problems.append("reporting: the official's pages failed or did not read from the standby")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=6, help="residents crying for help during the kills")
    parser.add_argument("--racers", type=int, default=12, help="residents racing for one free time")
    parser.add_argument("--readers", type=int, default=4, help="signed-in residents reading all through")
    parser.add_argument("--no-wrk", action="store_true", help="skip the requests-per-core measurement")
    parser.add_argument("--seconds", type=float, default=10, help="each wrk run's length")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "city.json"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fucheng-city-"))  # short: a socket path has a length limit
    root.chmod(0o755)  # the private cluster, its standby and PgBouncer run as the postgres user when run as root
    started = time.monotonic()
    result: dict = {}
    with rehearse.ProviderServer(
        rehearse.AliyunHandler, rehearse.ProviderState(key_id=rehearse.KEY_ID, secret=rehearse.SECRET)
    ) as sms:
        city = City(root, sms=sms)
        try:
            print(f"starting the city under {root} …", flush=True)
            city.start_servers()
            rehearse.prepare(city)
            city.start_standby()
            call_command("proxy_error_pages", str(root / "errors"), stdout=io.StringIO())
            for name in (*WEB, "proxy", "crisis-worker", "default-worker", "beat", "dispatcher"):
                city.start(name)
            wait_for(lambda: all(web_serves(city, name) for name in WEB), timeout=120, what="both web instances")
            with LagWatch(city) as lag:
                print("sign-in across the instances …", flush=True)
                readers, result["sign-in"] = sign_in_all(city, new_residents("reader", args.readers))
                print("booking race …", flush=True)
                result["booking race"] = booking_race(city, args.racers)
                print("crisis with a web instance and the crisis worker killed …", flush=True)
                report, extra = crisis_under_kills(city, args.residents, readers)
                result["crisis"] = {**report.line(), **extra}
                print("the official's pages from the standby …", flush=True)
                result["reporting"] = official_reads(city)
                if not args.no_wrk:
                    print("requests per second per web core …", flush=True)
                    result["throughput"] = throughput(city, readers, seconds=args.seconds, repeats=3)
            result["replica lag"] = lag.summary()
        except BaseException:
            # keep every process's log where the run can be read afterwards
            logs = BASE_DIR / "var" / "city-logs"
            shutil.rmtree(logs, ignore_errors=True)
            shutil.copytree(city.logs, logs, dirs_exist_ok=True)
            print(f"the run failed: the processes' logs are in {logs}", file=sys.stderr)
            raise
        finally:
            city.stop()
            shutil.rmtree(root, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - started)
    result["problems"] = verdict(result)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    print(f"\nwritten to {args.out} ({result['seconds']} s)")
    if result["problems"]:
        print("NOT MET: " + "; ".join(result["problems"]))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
