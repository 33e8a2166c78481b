"""Run the whole portal for a first look: database, demo data, web server, Celery worker and beat, and the
outbox dispatcher.

The web server's and the worker's logs go to files under var/log/, so the terminal ends with what a
newcomer needs: the address and the demo sign-ins.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Migrate, load the demo data, and run the web server with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address and port for the web server.")

    def handle(self, *args, addr: str, **options):
        if "PORTAL_BASE_URL" not in os.environ:
            # Links in the demo's messages (the alert SMS, reminders) point at this server, in every process.
            os.environ["PORTAL_BASE_URL"] = f"http://{addr}"
            settings.PORTAL_BASE_URL = settings.FUCHENG_BASE_URL = f"http://{addr}"
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        sign_ins = io.StringIO()
        call_command("seed_demo", stdout=sign_ins)
        log_dir = Path(settings.VAR_DIR) / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        processes = {
            # Crisis work has a worker of its own (alerts, the minute sweep, the outbox), beside beat; the other
            # worker takes everything else, long statistics refreshes included (settings: CELERY_TASK_ROUTES).
            "crisis worker": self._start(
                [python, "-m", "celery", "-A", "fucheng", "worker", "--beat", "--loglevel", "INFO"]
                + ["--queues", "crisis", "--hostname", "crisis@%h", "--concurrency", "1"]
                + ["--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
                log_dir / "celery.log",
            ),
            "worker": self._start(
                [python, "-m", "celery", "-A", "fucheng", "worker", "--loglevel", "INFO"]
                + ["--queues", "default,bulk", "--hostname", "default@%h", "--concurrency", "1"],
                log_dir / "celery-default.log",
            ),
            # Sends due messages every few seconds from the rows, without the broker (beside the worker).
            "dispatcher": self._start(
                [python, str(Path(settings.BASE_DIR) / "manage.py"), "dispatch_outbox"], log_dir / "dispatcher.log"
            ),
            "web": self._start(
                [python, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", addr, "--noreload"],
                log_dir / "web.log",
            ),
        }
        try:
            self._wait_for(addr, processes["web"])
            self.stdout.write(sign_ins.getvalue())
            self.stdout.write(f"Logs: {log_dir / 'web.log'} (web, with the demo's text messages and emails)")
            self.stdout.write(f"      {log_dir / 'celery.log'} (beat and the crisis worker: alerts, escalations)")
            self.stdout.write(f"      {log_dir / 'celery-default.log'} (the other worker: reminders, statistics)")
            self.stdout.write(
                f"      {log_dir / 'dispatcher.log'} (the outbox dispatcher: messages without the broker)"
            )
            self.stdout.write(self.style.SUCCESS(f"Open http://{addr}/  (Ctrl+C stops everything)"))
            signal.signal(signal.SIGTERM, _interrupt)
            while all(process.poll() is None for process in processes.values()):
                time.sleep(1)
            stopped = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; see the logs in {log_dir}.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _start(self, command: list[str], log: Path) -> subprocess.Popen:
        handle = log.open("ab")
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603 (our own)

    def _wait_for(self, addr: str, web: subprocess.Popen, timeout: float = 60) -> None:
        host, _, port = addr.rpartition(":")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if web.poll() is not None:
                raise SystemExit("The web server did not start; see var/log/web.log.")
            try:
                with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"The web server did not answer on {addr} within {timeout:.0f} s; see var/log/web.log.")
