from django.urls import path

from appointments.views import availability, booking, feeds, roster, sessions, staff_booking, waitlist

app_name = "appointments"

urlpatterns = [
    # Residents
    path("book/", booking.book, name="book"),
    path("book/<int:slot_id>/", booking.book_confirm, name="confirm"),
    path("mine/", booking.my_appointments, name="mine"),
    path("<int:pk>/", booking.appointment_detail, name="detail"),
    path("<int:pk>/cancel/", booking.appointment_cancel, name="cancel"),
    path("<int:pk>/move/", booking.appointment_reschedule, name="reschedule"),
    path("<int:pk>/calendar.ics", booking.appointment_ics, name="ics"),
    path("<int:pk>/feedback/", booking.feedback_give, name="feedback"),
    path("waitlist/join/", waitlist.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/leave/", waitlist.waitlist_leave, name="waitlist_leave"),
    path("offers/<int:pk>/", waitlist.offer_detail, name="offer"),
    # Staff
    path("staff/day/", sessions.counselor_day, name="day"),
    path("staff/<int:pk>/", sessions.session_detail, name="session"),
    path("staff/<int:pk>/check-in/", sessions.session_check_in, name="check_in"),
    path("staff/<int:pk>/complete/", sessions.session_complete, name="complete"),
    path("staff/<int:pk>/no-show/", sessions.session_no_show, name="no_show"),
    path("staff/<int:pk>/cancel/", sessions.staff_cancel, name="staff_cancel"),
    path("staff/<int:pk>/move/", sessions.staff_reschedule, name="staff_reschedule"),
    path("staff/book/", staff_booking.staff_book, name="staff_book"),
    path("staff/book/<int:slot_id>/", staff_booking.staff_book_confirm, name="staff_book_confirm"),
    path("staff/stations/", staff_booking.stations, name="stations"),
    path("staff/stations/<int:station_id>/week/", staff_booking.station_week, name="station_week"),
    path("staff/availability/", availability.availability_list, name="availability"),
    path("staff/availability/<int:pk>/end/", availability.availability_end, name="availability_end"),
    path("staff/availability/leave/", availability.exception_add, name="exception_add"),
    path("staff/roster/", roster.roster, name="roster"),
    path("staff/roster/add/", roster.roster_add, name="roster_add"),
    path("staff/roster/<int:pk>/delete/", roster.roster_delete, name="roster_delete"),
    path("staff/waitlist/", waitlist.waitlist_staff, name="waitlist_staff"),
    path("staff/waitlist/<int:pk>/priority/", waitlist.waitlist_priority, name="waitlist_priority"),
    path("staff/calendar/", feeds.calendar_settings, name="calendar"),
    path("feed/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
]
