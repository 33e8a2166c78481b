"""The benchmark's load generator: a closed loop measures capacity; people with waits measure latency."""

import importlib.util
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("fucheng_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server():
    """A tiny keep-alive HTTP server on loopback that answers every GET with 200 and counts them."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (the name http.server calls)
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], seen
    httpd.shutdown()
    httpd.server_close()


def _get(i, n):
    return "GET", f"/u{i}/r{n}", None, {"Host": "127.0.0.1"}


def test_people_wait_between_requests_and_the_closed_loop_does_not(bench, server):
    port, seen = server
    people = bench.Load(port, users=3, duration=1.5, think=(0.5, 0.6)).run(_get)
    # Each person starts within the first 0.6 s and then waits at least 0.5 s after every answer, so in
    # the 2 s the run lasts no one can send more than 4 requests (a closed loop sends hundreds).
    per_user = {f"/u{i}/": sum(p.startswith(f"/u{i}/") for p in seen) for i in range(3)}
    assert all(1 <= count <= 4 for count in per_user.values()), per_user
    assert people["requests"] == len(seen) and people["statuses"] == {200: len(seen)} and people["errors"] == 0

    seen.clear()
    closed = bench.Load(port, users=3, duration=1.0).run(_get)
    assert closed["requests"] == len(seen) > 30
    assert closed["p50_ms"] <= closed["p95_ms"] <= closed["p99_ms"]


def test_both_passes_share_one_walk_over_the_free_times(bench):
    """A time booked in the closed-loop pass is never posted again in the pass with people."""
    data = {
        "residents": [{"resident": r, "session": f"s{r}"} for r in range(5)],
        "counselors": [{"session": "c", "cases": [1]}],
        "csrf": "x",
        "station": 1,
        "official": "o",
        "evaluation": 1,
        "free_slots": list(range(100, 110)),
    }
    first = dict(bench.page_requests(data))["booking POST"]
    second = dict(bench.page_requests(data))["booking POST"]
    paths = [first(0, 0)[1], first(1, 0)[1], second(0, 0)[1], second(0, 1)[1]]
    assert paths == [
        "/appointments/book/100/",
        "/appointments/book/101/",
        "/appointments/book/102/",
        "/appointments/book/103/",
    ]


def test_a_client_whose_requests_run_out_stops_and_the_others_are_counted(bench, server):
    """The booking POSTs can use up every free time: that client ends cleanly, nothing is lost or raised."""
    port, seen = server

    def make(i, n):
        if i == 0 and n >= 2:
            raise StopIteration
        return _get(i, n)

    result = bench.Load(port, users=2, duration=0.5).run(make)
    assert sum(p.startswith("/u0/") for p in seen) == 2
    assert sum(p.startswith("/u1/") for p in seen) > 2
    assert result["requests"] == len(seen) and result["errors"] == 0


def test_the_race_keeps_its_time_out_of_the_booking_posts(bench):
    data = {
        "residents": [{"resident": 1, "session": "s"}],
        "counselors": [{"session": "c", "cases": [1]}],
        "csrf": "x",
        "station": 1,
        "official": "o",
        "evaluation": 1,
        "free_slots": [100, 101, 102],
    }
    book = dict(bench.page_requests(data))["booking POST"]
    assert [book(0, 0)[1], book(0, 1)[1]] == ["/appointments/book/100/", "/appointments/book/101/"]
    with pytest.raises(StopIteration):
        book(0, 2)  # 102 is the race's


def test_wrk_cycles_through_the_pages_requests_and_reports_each_answer(bench, server):
    """The closed loop is wrk (Debian's package; .ci/run installs it): every request of the list is sent,
    in turn, with its own headers, and the run reports the answers by status and the CPU it read."""
    port, seen = server
    requests = [("GET", f"/u{i}/r0", None, {"Host": "127.0.0.1", "Cookie": f"sessionid=s{i}"}) for i in range(5)]
    # The tiny server is a thread of this process, which has no worker processes: no worker CPU is counted.
    result = bench.wrk.run(bench.wrk.ensure_wrk(), port, os.getpid(), requests, connections=2, duration=1)
    assert result["requests"] >= 5 and result["statuses"] == {"200": result["requests"]}
    assert set(seen) == {f"/u{i}/r0" for i in range(5)}, "every request of the list was sent"
    assert 0 <= len(seen) - result["requests"] <= 2, "wrk counted every answer but those in flight at its end"
    assert result["errors"] == 0 and result["rps"] > 0 and result["p50_ms"] <= result["p99_ms"]
    assert result["cpu_worker_ms"] == 0


def test_three_runs_report_the_median_and_the_spread(bench):
    runs = [{"rps": r, "cpu_worker_ms": c, "cpu_postgres_ms": 1.0} for r, c in ((30.0, 9.0), (10.0, 7.0), (20.0, 8.0))]
    summary = bench.wrk.summarise(runs)
    assert (summary["rps"], summary["rps_min"], summary["rps_max"]) == (20.0, 10.0, 30.0)
    assert summary["cpu_worker_ms"] == 8.0 and summary["repeats"] == 3


def test_the_request_list_stops_where_the_free_times_run_out(bench):
    def make(i, n):
        if n >= 3:
            raise StopIteration
        return _get(i, n)

    listed = bench.page_request_list(make, count=100, clients=2)
    assert [path for _, path, _, _ in listed] == [f"/u{i % 2}/r{i // 2}" for i in range(6)]
