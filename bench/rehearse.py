"""The fault rehearsal behind bench/rehearse: the crisis path under the faults of issue 28, measured.

One command starts the stack the production way on loopback, all of it private to the run: a PostgreSQL
cluster (initdb) and a Redis of its own, gunicorn, a Celery worker, Celery beat, the outbox dispatcher
(`manage.py dispatch_outbox`), and a local stand-in for Alibaba Cloud's SendSms API (the official SDK talks to
it; tests/messaging/sms_servers.py). Email goes to files. Then, fault by fault, it acts as residents and staff
through HTTP, the real forms with their CSRF tokens:

- pg_restart: PostgreSQL stopped for 2.4 s while residents send a PHQ-9 with item 9 = 3;
- pg_stop: PostgreSQL stopped for 10 s while they do (whoever sees the resend page presses its button once
  the database is back, as the page asks);
- redis_stop: Redis stopped; residents and staff sign in, and a resident sends an acute PHQ-9;
- worker_kill: a burst of acute PHQ-9s, then `kill -9` of the Celery worker (and its children), restarted 3 s later;
- beat_stop: Celery beat stopped: how long until /healthz answers 503 naming the late sweep.

Per fault it prints: the 5xx pages seen other than the resend page, what the people saw, the cries stored,
the messages per outbox row (counted where they arrive: the SMS stand-in's requests by OutId and the email
files by their X-Fucheng-Message header), and the delay from the cry to the first message sent.
It writes everything to var/rehearsal.json. Nothing shared is touched: the machine's own PostgreSQL and Redis
are not used.

Run: bench/rehearse [--faults pg_restart,pg_stop,redis_stop,worker_kill,beat_stop] [--residents 6]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import email
import html.parser
import http.cookiejar
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.faults.servers import PrivateCluster, PrivateRedis, free_port, wait_for  # noqa: E402
from tests.messaging.sms_servers import AliyunHandler, ProviderServer, ProviderState  # noqa: E402

FAULTS = ("pg_restart", "pg_stop", "redis_stop", "worker_kill", "beat_stop")
PASSWORD = "Rehearsal-2026-pw"  # noqa: S105 - accounts that live only in the run's private database
KEY_ID, SECRET = "LTAI-rehearsal", "rehearsal-secret"  # noqa: S105 - the local SMS stand-in's own key
# Final for the rehearsal: "uncertain" is a message whose sender died while handing it over; it is never sent
# again and waits for a receipt (which the stand-in does not send), so its arrival is what is counted.
SETTLED = {"sent", "delivered", "failed", "no_address", "uncertain"}


# --- HTTP, as a person's browser does it ---------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


class _Inputs(html.parser.HTMLParser):
    """The <input>s of a page, and the action of the form that holds each (enough for the portal's forms)."""

    def __init__(self):
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.action = ""

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input":
            self.inputs.append({**values, "_form": self.action})


@dataclass
class Answer:
    status: int
    location: str
    body: str
    error: str = ""
    served_by: str = ""  # the proxy's X-Served-By header, where a proxy stands in front (bench/city.py)


def _served(headers) -> str:
    return headers.get("X-Served-By", "") if headers is not None else ""


class Browser:
    """One person's browser: its own cookies; every POST carries the CSRF token from the cookie."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                headers = response.headers
                return Answer(
                    response.status, headers.get("Location", ""), response.read().decode(), served_by=_served(headers)
                )
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            return Answer(error.code, error.headers.get("Location", ""), body, served_by=_served(error.headers))
        except OSError as error:  # the server did not answer at all
            return Answer(0, "", "", error=f"{type(error).__name__}: {error}")

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - loopback http only

    def csrf(self) -> str:
        return next((cookie.value for cookie in self.jar if cookie.name.endswith("csrftoken")), "")

    def post(self, path: str, fields: list[tuple[str, str]]) -> Answer:
        if not any(name == "csrfmiddlewaretoken" for name, _ in fields):
            fields = [("csrfmiddlewaretoken", self.csrf()), *fields]
        data = urllib.parse.urlencode(fields).encode()
        headers = {"Referer": self.base + path}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310 - loopback
        return self._open(request)

    def sign_in(self, login: str) -> Answer:
        self.get("/accounts/login/")
        return self.post("/accounts/login/", [("login", login), ("password", PASSWORD)])


def signed_in(answer: Answer) -> bool:
    """allauth answers a good sign-in with a redirect away from the sign-in page."""
    return answer.status == 302 and "/accounts/login/" not in answer.location


def inputs_of(body: str) -> list[dict[str, str]]:
    parser = _Inputs()
    parser.feed(body)
    return parser.inputs


def acute_phq9(form_page: str) -> list[tuple[str, str]]:
    """Answers to the PHQ-9 page as it is served: 0 to every item but the ninth (thoughts of being better off
    dead or of self-harm), which gets 3 ("nearly every day")."""
    names: list[str] = []
    for tag in inputs_of(form_page):
        if tag.get("type") == "radio" and tag.get("name") not in names:
            names.append(tag["name"])
    if len(names) < 9:
        raise RuntimeError("the PHQ-9 page did not show nine questions")
    # and, as a browser sends them, the form's hidden fields (its CSRF token, the key that makes a second
    # sending of this page land on the first one's answer: centers/submissions)
    hidden = [(tag["name"], tag.get("value", "")) for tag in inputs_of(form_page) if tag.get("type") == "hidden"]
    return hidden + [(name, "3" if number == 9 else "0") for number, name in enumerate(names, start=1)]


def seen(answer: Answer) -> str:
    """What the person saw, in a few words."""
    if answer.status == 302 and "/self-check/help/" in answer.location:
        return "crisis page: saved, team alerted"
    if answer.status == 503 and 'data-testid="not-saved-page"' in answer.body:
        return "resend page with the hotlines"
    if answer.status == 0:
        return f"no answer ({answer.error})"
    if answer.status >= 500:
        return f"error {answer.status}" + (" with the hotlines" if "12356" in answer.body else " WITHOUT the hotlines")
    return f"HTTP {answer.status}"


def resend(browser: Browser, page: Answer) -> Answer:
    """Press the resend page's button: the same answers, with the token the page carries."""
    fields = [(tag["name"], tag.get("value", "")) for tag in inputs_of(page.body) if tag.get("type") == "hidden"]
    action = next((tag["_form"] for tag in inputs_of(page.body) if tag.get("type") == "hidden"), "")
    return browser.post(action, fields)


# --- The stack ---------------------------------------------------------------------------------------


class Stack:
    def __init__(self, root: Path, *, sms: ProviderServer):
        self.root = root
        self.cluster = PrivateCluster(root / "pg", database="fucheng_rehearsal")
        self.redis = PrivateRedis(root)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.mail_dir = root / "mail"
        self.logs = root / "log"
        self.sms = sms
        self.processes: dict[str, subprocess.Popen] = {}
        self.templates: dict[str, str] = {}  # a template id for every kind of message, once Django is set up
        self.beat_started = now()

    def env(self) -> dict[str, str]:
        return {
            **{name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")},
            "DATABASE_URL": self.cluster.url,
            "DJANGO_CONN_MAX_AGE": "600",
            "CACHE_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "FUCHENG_ENV": "development",
            "DJANGO_DEBUG": "0",
            "FUCHENG_VAR_DIR": str(self.root / "var"),
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(self.mail_dir),
            "FUCHENG_SMS_PROVIDER": "aliyun",
            "FUCHENG_SMS_ALIYUN_ENDPOINT": self.sms.url,
            "FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID": KEY_ID,
            "FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET": SECRET,
            "FUCHENG_SMS_TEMPLATES": json.dumps(self.templates),
            # A dispatcher killed mid-send leaves its claim; the rehearsal waits for it 30 s, not the default 2 min.
            "FUCHENG_MESSAGE_CLAIM_SECONDS": "30",
        }

    def start_servers(self) -> None:
        self.cluster.init()
        self.redis.start()
        self.logs.mkdir(parents=True, exist_ok=True)
        self.mail_dir.mkdir(parents=True, exist_ok=True)

    def command(self, name: str) -> list[str]:
        python = sys.executable
        return {
            "web": [python, "-m", "gunicorn", "fucheng.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "3", "--timeout", "60"],
            "worker": [python, "-m", "celery", "-A", "fucheng", "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [python, "-m", "celery", "-A", "fucheng", "beat", "--loglevel", "INFO"]
            + ["--schedule", str(self.root / "var" / "celerybeat-schedule")],
            "dispatcher": [python, "manage.py", "dispatch_outbox"],
        }[name]

    def start(self, name: str) -> None:
        if name == "beat":
            self.beat_started = now()
        log = (self.logs / f"{name}.log").open("a")
        self.processes[name] = subprocess.Popen(  # noqa: S603
            self.command(name),
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the whole group: a worker's pool processes die with it
        process.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        self.redis.stop()
        self.cluster.remove()


# --- Setup and measurement (the ORM, on the run's private database) ---------------------------------------


def prepare(stack: Stack) -> None:
    os.environ.update(stack.env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fucheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from centers.messaging.sms import TEMPLATE_NAMES

    stack.templates = {name: f"SMS_{100000 + n}" for n, name in enumerate(TEMPLATE_NAMES)}

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - the demo's sign-in table is not needed


def new_residents(prefix: str, count: int) -> list[dict]:
    """Residents with an account and the self-check consent, as the demo seeds its residents."""
    from django.db import close_old_connections

    from cases.services.screenings import screening_consent_give
    from centers.models import Center, Resident, Station, User

    close_old_connections()
    center = Center.objects.order_by("pk").first()
    station = Station.objects.filter(center=center).order_by("pk").first()
    people = []
    first = Resident.objects.count()
    for n in range(count):
        login = f"{prefix}-{n}@rehearsal.example"
        user = User.objects.create_user(username=f"{prefix}-{n}", email=login, password=PASSWORD)
        resident = Resident.objects.create(
            center=center, station=station, user=user, full_name=f"演练居民{prefix}{n}", phone=f"139{first + n:08d}"
        )
        screening_consent_give(resident=resident, actor=user)
        people.append({"login": login, "resident": resident.pk})
    return people


def staff_logins(count: int) -> list[str]:
    """Demo counselors and supervisors, with the rehearsal's password (their accounts are the demo's)."""
    from django.db import close_old_connections

    from centers.models import Role, User

    close_old_connections()
    users = list(
        User.objects.filter(memberships__role__in=[Role.COUNSELOR, Role.SUPERVISOR], memberships__is_active=True)
        .distinct()
        .order_by("pk")[:count]
    )
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return [user.email for user in users]


def mail_counts(mail_dir: Path) -> Counter:
    """Emails written by the file backend, per outbox key (the X-Fucheng-Message header)."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_text(errors="replace").split("-" * 79):
            if chunk.strip():
                key = email.message_from_string(chunk.strip()).get("X-Fucheng-Message")
                if key:
                    counts[key] += 1
    return counts


def rows_of(residents: list[int], since: dt.datetime) -> dict[int, list]:
    """Per resident: the outbox rows that carried an alert about them (notifications of their case's alerts
    and callback requests), created since `since`."""
    from django.db import close_old_connections

    from cases.alerts.models import Notification
    from centers.messaging.models import OutboundMessage

    close_old_connections()
    found: dict[int, list] = {pk: [] for pk in residents}
    notifications = Notification.objects.filter(created_at__gte=since).select_related("alert__case")
    by_key = {}
    for row in notifications:
        case = row.alert.case if row.alert_id else None  # a callback request's rows carry its alert too
        if case is not None and case.resident_id in found:
            by_key[f"notification:{row.pk}"] = case.resident_id
    for message in OutboundMessage.objects.filter(created_at__gte=since):
        # "notification:12", its WeCom twin "notification:12:wecom", a fall-through "notification:12>email"
        origin = message.idempotency_key.split(">")[0].removesuffix(":wecom")
        if origin in by_key:
            found[by_key[origin]].append(message)
    return found


def cries_stored(residents: list[int], since: dt.datetime) -> int:
    from django.db import close_old_connections

    from cases.screenings.models import Screening

    close_old_connections()
    return Screening.objects.filter(resident_id__in=residents, taken_at__gte=since).count()


def settle(residents: list[int], since: dt.datetime, *, expected: int, timeout: float = 240) -> dict[int, list]:
    """Wait until every cry has its messages and none is still on its way."""
    deadline = time.monotonic() + timeout
    while True:
        rows = rows_of(residents, since)
        done = all(rows[pk] for pk in residents[:expected]) and all(
            message.status in SETTLED for messages in rows.values() for message in messages
        )
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(2)


@dataclass
class Report:
    fault: str
    cries: int = 0
    stored: int = 0
    errors: int = 0  # 5xx other than the resend page, and requests that got no answer
    saw: Counter = field(default_factory=Counter)
    sign_ins: int = 0
    sign_ins_failed: int = 0
    rows: int = 0
    rows_sent: int = 0
    rows_twice: int = 0
    rows_unsent: int = 0
    rows_failed: int = 0
    first_message_s: list[float] = field(default_factory=list)
    healthz_503_after_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def measure(self, stack: Stack, residents: list[int], since: dt.datetime, cry_at: dict[int, dt.datetime]):
        self.stored = cries_stored(residents, since)
        rows = settle(residents, since, expected=len(cry_at))
        sms = Counter(params.get("OutId", "") for params in stack.sms.state.accepted)
        mail = mail_counts(stack.mail_dir)
        for pk, messages in rows.items():
            sent_times = []
            for message in messages:
                self.rows += 1
                arrived = sms[message.idempotency_key] + mail[message.idempotency_key]
                if message.channel == "wecom":
                    arrived = 1 if message.status in {"sent", "delivered"} else 0
                self.rows_sent += message.status in {"sent", "delivered"}
                self.rows_failed += message.status not in {"sent", "delivered", "uncertain"} or (
                    message.status == "uncertain" and arrived == 0
                )
                self.rows_twice += arrived > 1
                self.rows_unsent += message.status in {"sent", "delivered"} and arrived == 0
                if message.sent_at:
                    sent_times.append(message.sent_at)
            if pk in cry_at and sent_times:
                self.first_message_s.append((min(sent_times) - cry_at[pk]).total_seconds())
            elif pk in cry_at:
                self.notes.append(f"resident {pk}: no message sent")

    def line(self) -> dict:
        return {
            "fault": self.fault,
            "cries": self.cries,
            "stored": self.stored,
            "lost": self.cries - self.stored,
            "5xx (not the resend page)": self.errors,
            "people saw": dict(self.saw),
            "sign-ins": self.sign_ins,
            "sign-ins failed": self.sign_ins_failed,
            "messages (rows)": self.rows,
            "rows sent": self.rows_sent,
            "rows sent twice": self.rows_twice,
            "rows marked sent that never arrived": self.rows_unsent,
            "rows not sent": self.rows_failed,
            "cries without a message": sum(note.endswith("no message sent") for note in self.notes),
            "first message, worst (s)": round(max(self.first_message_s), 1) if self.first_message_s else None,
            "/healthz 503 after (s)": self.healthz_503_after_s,
            "notes": self.notes,
        }


# --- The people's part ---------------------------------------------------------------------------------


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ready_to_cry(stack: Stack, people: list[dict]) -> list[tuple[Browser, dict, list[tuple[str, str]]]]:
    """Each person signs in and opens the PHQ-9 (before the fault): what they will send is on their screen."""
    ready = []
    for person in people:
        browser = Browser(stack.base)
        if not signed_in(browser.sign_in(person["login"])):
            raise RuntimeError(f"{person['login']} could not sign in before the fault")
        page = browser.get(f"/cases/self-check/{person['resident']}/phq9/")
        ready.append((browser, person, acute_phq9(page.body)))
    return ready


def cry(report: Report, browser: Browser, person: dict, answers, cry_at: dict, pages: dict) -> None:
    cry_at[person["resident"]] = now()
    answer = browser.post(f"/cases/self-check/{person['resident']}/phq9/", answers)
    report.cries += 1
    report.saw[seen(answer)] += 1
    report.errors += answer.status == 0 or (answer.status >= 500 and "not-saved-page" not in answer.body)
    pages[person["resident"]] = (browser, answer)


def cries_in_threads(report: Report, ready, cry_at: dict) -> dict:
    pages: dict = {}
    threads = [threading.Thread(target=cry, args=(report, b, p, a, cry_at, pages)) for b, p, a in ready]
    for thread in threads:
        thread.start()
    return {"threads": threads, "pages": pages}


def resend_where_asked(report: Report, pages: dict) -> None:
    for browser, answer in pages.values():
        if "not-saved-page" in answer.body:
            again = resend(browser, answer)
            report.saw["then, after pressing resend: " + seen(again)] += 1
            report.errors += again.status == 0 or (again.status >= 500 and "not-saved-page" not in again.body)


def postgres_down(stack: Stack, residents: int, *, seconds: float, name: str) -> Report:
    report = Report(name)
    people = new_residents(name, residents)
    ready = ready_to_cry(stack, people)
    since, cry_at = now(), {}
    stack.cluster.stop()
    down_at = time.monotonic()
    sending = cries_in_threads(report, ready, cry_at)
    time.sleep(max(0.0, seconds - (time.monotonic() - down_at)))
    stack.cluster.start()
    for thread in sending["threads"]:
        thread.join()
    resend_where_asked(report, sending["pages"])
    report.measure(stack, [p["resident"] for p in people], since, cry_at)
    return report


def redis_stop(stack: Stack, residents: int) -> Report:
    report = Report("redis_stop")
    people = new_residents("redis", residents)
    crier = ready_to_cry(stack, people[:1])
    staff = staff_logins(2)
    since, cry_at = now(), {}
    stack.redis.stop()
    try:
        sending = cries_in_threads(report, crier, cry_at)
        for login in [p["login"] for p in people[1:]] + staff:
            report.sign_ins += 1
            answer = Browser(stack.base).sign_in(login)
            if not signed_in(answer):
                report.sign_ins_failed += 1
                report.notes.append(f"sign-in of {login}: HTTP {answer.status} {answer.location}")
            report.errors += answer.status == 0 or answer.status >= 500
        for thread in sending["threads"]:
            thread.join()
        # The messages must leave with Redis still down: wait for them here, then bring Redis back.
        report.measure(stack, [people[0]["resident"]], since, cry_at)
    finally:
        stack.redis.start()
    return report


def worker_kill(stack: Stack, residents: int) -> Report:
    report = Report("worker_kill")
    people = new_residents("worker", residents)
    ready = ready_to_cry(stack, people)
    since, cry_at = now(), {}
    sending = cries_in_threads(report, ready, cry_at)
    time.sleep(0.3)  # the first posts are in; their after-commit tasks are reaching the worker
    stack.kill("worker")
    for thread in sending["threads"]:
        thread.join()
    time.sleep(3)
    stack.start("worker")
    report.measure(stack, [p["resident"] for p in people], since, cry_at)
    return report


def beat_stop(stack: Stack, _residents: int) -> Report:
    report = Report("beat_stop")
    browser = Browser(stack.base)
    wait_for(lambda: browser.get("/healthz").status == 200, timeout=180, what="/healthz to answer 200 first")
    # A steady state first: beat has sent its minute sweeps at least once (a beat that never ran is no outage);
    # then it stops at a moment of the minute the run draws, as a crash would (the worst case is just after a
    # round of sweeps: /healthz then fails two intervals, 120 s, after that round).
    wait_for(lambda: beat_has_run(stack.beat_started), timeout=150, what="beat's first sweeps")
    into_minute = random.uniform(0, 60)  # noqa: S311 - when the fault strikes, not a secret
    time.sleep(into_minute)
    stack.kill("beat")
    stopped = time.monotonic()
    report.notes.append(f"beat stopped {into_minute:.0f} s after its last round of sweeps")
    while time.monotonic() - stopped < 240:
        answer = browser.get("/healthz")
        if answer.status == 503:
            report.healthz_503_after_s = round(time.monotonic() - stopped, 1)
            report.notes.append(f"/healthz said: {answer.body.strip()}")
            break
        time.sleep(0.5)
    stack.start("beat")
    wait_for(lambda: browser.get("/healthz").status == 200, timeout=240, what="/healthz to recover after beat")
    report.notes.append(f"/healthz back to 200 {round(time.monotonic() - stopped, 1)} s after beat stopped")
    return report


def beat_has_run(since: dt.datetime) -> bool:
    from django.db import close_old_connections

    from centers.sweeps.models import SweepRun

    close_old_connections()
    minute_sweeps = SweepRun.objects.filter(interval_seconds=60)
    return minute_sweeps.exists() and not minute_sweeps.filter(last_run_at__lt=since).exists()


RUNS = {
    "pg_restart": lambda stack, n: postgres_down(stack, n, seconds=2.4, name="pg_restart"),
    "pg_stop": lambda stack, n: postgres_down(stack, n, seconds=10, name="pg_stop"),
    "redis_stop": redis_stop,
    "worker_kill": worker_kill,
    "beat_stop": beat_stop,
}


def print_table(lines: list[dict]) -> None:
    columns = [
        "fault",
        "cries",
        "stored",
        "lost",
        "5xx (not the resend page)",
        "sign-ins",
        "sign-ins failed",
        "messages (rows)",
        "rows sent twice",
        "first message, worst (s)",
        "/healthz 503 after (s)",
    ]
    print(" | ".join(columns))
    for line in lines:
        print(" | ".join(str(line[column]) for column in columns))
    for line in lines:
        print(f"\n{line['fault']}: people saw {line['people saw'] or '-'}")
        for note in line["notes"]:
            print(f"  {note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated, from: " + ", ".join(FAULTS))
    parser.add_argument("--residents", type=int, default=6, help="residents crying for help in each fault")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "rehearsal.json"))
    args = parser.parse_args()
    faults = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(sorted(unknown))}")
    root = Path(tempfile.mkdtemp(prefix="fucheng-rh-"))  # short: a socket path has a length limit
    root.chmod(0o755)  # the private cluster runs as the postgres user (when run as root), which must get in
    started = time.monotonic()
    with ProviderServer(AliyunHandler, ProviderState(key_id=KEY_ID, secret=SECRET)) as sms:
        stack = Stack(root, sms=sms)
        try:
            print(f"starting the stack under {root} …", flush=True)
            stack.start_servers()
            prepare(stack)
            for name in ("web", "worker", "beat", "dispatcher"):
                stack.start(name)
            wait_for(lambda: Browser(stack.base).get("/healthz").status == 200, timeout=120, what="the portal")
            lines = []
            for name in faults:
                print(f"fault: {name} …", flush=True)
                lines.append(RUNS[name](stack, args.residents).line())
        finally:
            stack.stop()
            shutil.rmtree(root, ignore_errors=True)
    print()
    print_table(lines)
    result = {
        "commit": subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from the PATH, as a developer runs it
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "seconds": round(time.monotonic() - started),
        "faults": lines,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(f"\nwritten to {args.out} ({result['seconds']} s)")
    failed = [
        line["fault"]
        for line in lines
        if line["lost"]
        or line["rows sent twice"]
        or line["sign-ins failed"]
        or line["5xx (not the resend page)"]
        or line["rows marked sent that never arrived"]
        or line["rows not sent"]
        or line["cries without a message"]
        or (line["cries"] and line["first message, worst (s)"] is None)
        or (line["first message, worst (s)"] or 0) > 60
        or (line["fault"] == "beat_stop" and (line["/healthz 503 after (s)"] or 999) > 120)
    ]
    if failed:
        print("NOT MET for: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
