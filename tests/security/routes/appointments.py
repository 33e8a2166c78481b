"""Booking pages (appointments app): residents' own bookings, staff sessions, availability, roster,
waitlist and the calendar feed."""

from __future__ import annotations

from appointments.services.feeds import calendar_feed_revoke
from tests.security import builders as b
from tests.security.matrix import ADMINISTRATORS, EVERYONE, SIGNED_IN, STAFF, Target, route

BOOKING_STAFF = {"counselor", "supervisor", "station_manager"}


def _pk(build):
    def target(world, scope):
        obj, secrets = build(world, scope)
        return Target(kwargs={"pk": obj.pk}, secrets=tuple(secrets))

    return target


_appointment = _pk(b.appointment)
_waitlist_entry = _pk(b.waitlist_entry)
_offer = _pk(b.waitlist_offer)
_window = _pk(b.availability)
_shift = _pk(b.duty_shift)


def _free_slot(world, scope):
    return Target(kwargs={"slot_id": b.slot(world, scope).pk})


def _station(world, scope):
    return Target(kwargs={"station_id": world.station_for(scope).pk})


def _feed(world, scope):
    # Only a hash of the secret is kept: a new address gives the secret to request it with.
    return Target(kwargs={"token": calendar_feed_revoke(user=world.users["counselor"]).secret})


# Signed-in people who are not residents are sent back to the booking page with a message.
NOT_A_RESIDENT = dict.fromkeys(STAFF | ADMINISTRATORS | {"superuser"}, 302)

ROUTES = [
    # Residents. The free times are public (the booking page lists every center's); a time of
    # another center sends the resident back to choose one of their own center.
    route("appointments:book", EVERYONE, anonymous=200, post=200),
    route(
        "appointments:confirm",
        {"resident"},
        post=200,
        target=_free_slot,
        reach={"resident": {"other_station"}},
        denied=302,
    ),
    route("appointments:mine", SIGNED_IN, post=200),
    route("appointments:detail", {"resident"}, post=200, target=_appointment),
    # Cancelling asks first: a POST without the confirmation answers with the confirmation page.
    route("appointments:cancel", {"resident"}, get=None, post=200, target=_appointment, mutates=True),
    route("appointments:reschedule", {"resident"}, post=302, target=_appointment),
    route("appointments:ics", {"resident"}, post=200, target=_appointment),
    route("appointments:feedback", {"resident"}, get=None, post=200, target=_appointment),
    route("appointments:waitlist_join", {"resident"}, post=200, status=NOT_A_RESIDENT),
    route("appointments:waitlist_leave", {"resident"}, get=None, post=302, target=_waitlist_entry),
    route("appointments:offer", {"resident"}, post=302, target=_offer),
    # Staff: sessions of the counselor (the supervisor: of the whole center).
    route("appointments:day", BOOKING_STAFF, post=200),
    *(
        route(
            f"appointments:{name}",
            {"counselor", "supervisor"},
            get=None,
            post=302,
            target=_appointment,
            reach={"supervisor": {"other_station"}},
            mutates=True,
        )
        for name in ("check_in", "no_show")
    ),
    # Completing needs a note: an empty POST shows the session page again with the reason (400).
    route(
        "appointments:complete",
        {"counselor", "supervisor"},
        get=None,
        post=400,
        target=_appointment,
        reach={"supervisor": {"other_station"}},
    ),
    # The session's page (where a staff booking ends): everyone who may see the booking; a counselor sees
    # their own station's and their own sessions only (least privilege inside a center).
    route(
        "appointments:session",
        BOOKING_STAFF,
        post=None,
        target=_appointment,
        reach={"supervisor": {"other_station"}},
    ),
    # Staff who book for callers also cancel for them: the supervisor for the whole center, a counselor
    # and a station manager at their station (a counselor also their own appointments elsewhere).
    route(
        "appointments:staff_cancel",
        BOOKING_STAFF,
        get=None,
        post=200,  # the confirmation page
        target=_appointment,
        reach={"supervisor": {"other_station"}},
        mutates=True,
    ),
    # Staff move a booking to another free time (an empty choice goes back to the page with a message).
    route(
        "appointments:staff_reschedule",
        BOOKING_STAFF,
        post=302,
        target=_appointment,
        reach={"supervisor": {"other_station"}},
    ),
    route("appointments:staff_book", BOOKING_STAFF, post=200),
    route(
        "appointments:staff_book_confirm",
        BOOKING_STAFF,
        post=200,
        target=_free_slot,
        reach={role: {"other_station"} for role in BOOKING_STAFF},
        # Another center's free time: back to the search with "this time does not exist".
        status={f"{role}@other_center": 302 for role in BOOKING_STAFF},
    ),
    route("appointments:stations", BOOKING_STAFF, get=302, post=302),
    route(
        "appointments:station_week",
        BOOKING_STAFF,
        post=200,
        target=_station,
        reach={"counselor": {"other_station"}, "supervisor": {"other_station"}},
    ),
    route("appointments:availability", {"counselor", "supervisor"}, post=200),
    route(
        "appointments:availability_end",
        {"counselor", "supervisor"},
        get=None,
        post=302,
        target=_window,
        reach={"supervisor": {"other_station"}},
        mutates=True,
    ),
    route("appointments:exception_add", BOOKING_STAFF, get=None, post=302),
    route("appointments:roster", BOOKING_STAFF, post=200),
    # An empty form is shown again with its reasons (the times typed are kept).
    route("appointments:roster_add", BOOKING_STAFF, get=None, post=400),
    route(
        "appointments:roster_delete",
        {"supervisor", "station_manager"},
        get=None,
        post=200,  # the confirmation page
        target=_shift,
        reach={"supervisor": {"other_station"}},
        mutates=True,
    ),
    route("appointments:waitlist_staff", BOOKING_STAFF, post=200),
    # The waitlist as each one is shown it: the center's for counselors and the supervisor, a
    # station manager's own station's (another station's entry was open to them before the matrix).
    route(
        "appointments:waitlist_priority",
        BOOKING_STAFF,
        get=None,
        post=302,
        target=_waitlist_entry,
        reach={"counselor": {"other_station"}, "supervisor": {"other_station"}},
    ),
    # A POST issues a new address, shown once on the page (only its hash is kept).
    route("appointments:calendar", {"counselor"}, post=200),
    # The feed is read by calendar apps with its secret address, without signing in.
    # Its owner's account deactivated, the feed stops (for whoever asks).
    route("appointments:calendar_feed", EVERYONE, anonymous=200, post=200, target=_feed, scoped=False, deactivated=404),
]
