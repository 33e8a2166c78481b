"""Time one request of each benchmarked page in-process and show its slowest queries (diagnosis, not the benchmark).

Run: DJANGO_SETTINGS_MODULE=fucheng.settings PYTHONPATH=. DATABASE_URL=postgres://…/fucheng_scale_street \
     .venv/bin/python bench/single_requests.py
"""

import time


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case
    from centers.models import Center, Resident, User

    center = Center.objects.filter(code__startswith="scale-").order_by("pk").first()
    station = center.stations.order_by("pk").first()
    resident = Resident.objects.filter(center=center, user__isnull=False).first()  # bench/run gave them accounts
    counselor = User.objects.filter(username__startswith=f"{center.code[:-3]}-c00-s00-k0").first()
    case = Case.objects.filter(counselors=counselor).exclude(stage="closed").first()
    pages = [
        ("availability", resident.user, f"/appointments/book/?service=face_to_face&where=s{station.pk}"),
        ("counselor workspace", counselor, "/cases/workspace/"),
        ("case timeline", counselor, f"/cases/{case.pk}/"),
    ]
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - began
        print(f"{label}: {response.status_code}, {len(queries.captured_queries)} queries, {elapsed * 1000:.0f} ms")
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]:
            print(f"    {float(query['time']) * 1000:.0f} ms  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
