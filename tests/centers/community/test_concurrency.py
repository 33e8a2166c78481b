"""Many residents press "register" for the last places at once: never over capacity, the rest waitlisted."""

import threading

import pytest
from django.db import close_old_connections, connection

from centers.community.models import RegistrationStatus, WorkshopRegistration
from centers.community.registrations import services as registration_services
from tests.centers.community.factories import RegistrationFactory, WorkshopFactory
from tests.factories import CenterFactory, ResidentFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 12


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses concurrent writers"
)
def test_concurrent_registrations_never_exceed_capacity():
    center = CenterFactory()
    station = StationFactory(center=center)
    workshop = WorkshopFactory(center=center, station=station, capacity=5)
    for _ in range(3):  # three places already taken: two left
        RegistrationFactory(workshop=workshop, resident=ResidentFactory(center=center, station=station))
    residents = [ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(CONTENDERS)]
    barrier = threading.Barrier(CONTENDERS)
    errors: list[BaseException] = []

    def take_a_place(resident):
        try:
            barrier.wait(timeout=10)
            registration_services.workshop_register(workshop=workshop, resident=resident, actor=resident.user)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=take_a_place, args=(r,)) for r in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    statuses = list(WorkshopRegistration.objects.filter(workshop=workshop).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.CONFIRMED) == 5
    assert statuses.count(RegistrationStatus.WAITLISTED) == CONTENDERS - 2


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses concurrent writers"
)
def test_concurrent_cancellations_and_registrations_keep_the_queue_in_order():
    """Places freed while others register go to the waiting list in order; never more than the capacity."""
    center = CenterFactory()
    station = StationFactory(center=center)
    workshop = WorkshopFactory(center=center, station=station, capacity=4)
    holders = [ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(4)]
    places = [registration_services.workshop_register(workshop=workshop, resident=r, actor=r.user) for r in holders]
    waiting = [ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(3)]
    for resident in waiting:
        registration_services.workshop_register(workshop=workshop, resident=resident, actor=resident.user)
    newcomers = [ResidentFactory(center=center, station=station, user=UserFactory()) for _ in range(6)]
    jobs = [
        (registration_services.workshop_registration_cancel, {"registration": p, "actor": p.resident.user})
        for p in places[:2]
    ]
    jobs += [
        (registration_services.workshop_register, {"workshop": workshop, "resident": r, "actor": r.user})
        for r in newcomers
    ]
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(func, kwargs):
        try:
            barrier.wait(timeout=10)
            func(**kwargs)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    confirmed = set(
        WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.CONFIRMED).values_list(
            "resident_id", flat=True
        )
    )
    # the two freed places went to the first two on the waiting list, not to a newcomer
    assert confirmed == {holders[2].pk, holders[3].pk, waiting[0].pk, waiting[1].pk}
    assert WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.WAITLISTED).count() == 7
