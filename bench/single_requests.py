"""Time each benchmarked page in-process, one request at a time, with its query count and slowest queries
(diagnosis, not the benchmark). Run bench/run once on the database first: it creates the accounts used here.

Run: DJANGO_SETTINGS_MODULE=fucheng.settings PYTHONPATH=. DJANGO_DEBUG=0 FUCHENG_BENCH=1 \\
     DATABASE_URL=postgres://…/fucheng_scale_street .venv/bin/python bench/single_requests.py [--repeat 50]
"""

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50, help="requests per page (the median is printed)")
    parser.add_argument("--slowest", type=int, default=2, help="slowest queries shown per page")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client

    from cases.models import Case
    from centers.models import Center, Resident, User
    from centers.reporting.evaluations.models import StationEvaluation

    center = Center.objects.filter(code__startswith="scale-").order_by("pk").first()
    station = center.stations.order_by("pk").first()
    resident = Resident.objects.filter(center=center, station=station, user__isnull=False).first()
    counselor = (
        User.objects.filter(memberships__center=center, memberships__role="counselor")
        .annotate(open_cases=Count("cases", filter=~Q(cases__stage="closed")))
        .filter(open_cases__gt=0)
        .order_by("pk")
        .first()
    )
    open_case = Case.objects.filter(counselors=counselor).exclude(stage="closed").first()
    closed_case = Case.objects.filter(counselors=counselor, stage="closed").first()
    official = User.objects.get(username="bench-official")
    evaluation = StationEvaluation.objects.filter(station=station, published_at__isnull=False).first()
    baseline = f"/bench/baseline/{station.pk}/"
    pages = [
        ("baseline, anonymous", None, baseline),
        ("baseline, signed-in official", official, baseline),
        ("availability", resident.user, f"/appointments/book/?service=face_to_face&where=s{station.pk}"),
        ("counselor workspace", counselor, "/cases/workspace/"),
        ("case page, open case", counselor, f"/cases/{open_case.pk}/" if open_case else None),
        ("case page, closed case", counselor, f"/cases/{closed_case.pk}/" if closed_case else None),
        ("official dashboard", official, "/statistics/"),
        ("links page /dashboard/", official, "/dashboard/"),
        ("station evaluation", official, f"/evaluations/{evaluation.pk}/" if evaluation else None),
    ]
    for label, user, url in pages:
        if url is None:
            print(f"{label:<30} (none in this dataset)")
            continue
        client = Client()
        if user is not None:
            client.force_login(user)
        client.get(url)  # warm-up
        captured = []

        def timed(execute, sql, params, many, context, captured=captured):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((time.perf_counter() - began, sql))

        with connection.execute_wrapper(timed):
            response = client.get(url)
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - began)
        print(
            f"{label:<30} {response.status_code}  {len(captured):>2} queries ({sum(t for t, _ in captured) * 1000:5.1f} ms)"
            f"  median {statistics.median(times) * 1000:6.1f} ms  min {min(times) * 1000:6.1f} ms"
            f"  {len(response.content):>6} bytes"
        )
        for seconds, sql in sorted(captured, reverse=True)[: args.slowest]:
            print(f"      {seconds * 1000:5.1f} ms  {sql[:150]}")


if __name__ == "__main__":
    main()
