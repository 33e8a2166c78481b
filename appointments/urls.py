from django.urls import path

from . import staff_views, views

app_name = "appointments"

urlpatterns = [
    # Residents
    path("book/", views.book, name="book"),
    path("book/<int:slot_id>/", views.book_confirm, name="confirm"),
    path("mine/", views.my_appointments, name="mine"),
    path("<int:pk>/", views.appointment_detail, name="detail"),
    path("<int:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("<int:pk>/move/", views.appointment_reschedule, name="reschedule"),
    path("<int:pk>/calendar.ics", views.appointment_ics, name="ics"),
    path("<int:pk>/feedback/", views.feedback_give, name="feedback"),
    path("waitlist/join/", views.waitlist_join, name="waitlist_join"),
    path("waitlist/<int:pk>/leave/", views.waitlist_leave, name="waitlist_leave"),
    path("offers/<int:pk>/", views.offer_detail, name="offer"),
    # Staff
    path("staff/day/", staff_views.counselor_day, name="day"),
    path("staff/<int:pk>/", staff_views.session_detail, name="session"),
    path("staff/<int:pk>/check-in/", staff_views.session_check_in, name="check_in"),
    path("staff/<int:pk>/complete/", staff_views.session_complete, name="complete"),
    path("staff/<int:pk>/no-show/", staff_views.session_no_show, name="no_show"),
    path("staff/<int:pk>/cancel/", staff_views.staff_cancel, name="staff_cancel"),
    path("staff/<int:pk>/move/", staff_views.staff_reschedule, name="staff_reschedule"),
    path("staff/book/", staff_views.staff_book, name="staff_book"),
    path("staff/book/<int:slot_id>/", staff_views.staff_book_confirm, name="staff_book_confirm"),
    path("staff/stations/", staff_views.stations, name="stations"),
    path("staff/stations/<int:station_id>/week/", staff_views.station_week, name="station_week"),
    path("staff/availability/", staff_views.availability_list, name="availability"),
    path("staff/availability/<int:pk>/end/", staff_views.availability_end, name="availability_end"),
    path("staff/availability/leave/", staff_views.exception_add, name="exception_add"),
    path("staff/roster/", staff_views.roster, name="roster"),
    path("staff/roster/add/", staff_views.roster_add, name="roster_add"),
    path("staff/roster/<int:pk>/delete/", staff_views.roster_delete, name="roster_delete"),
    path("staff/waitlist/", staff_views.waitlist_staff, name="waitlist_staff"),
    path("staff/waitlist/<int:pk>/priority/", staff_views.waitlist_priority, name="waitlist_priority"),
    path("staff/calendar/", staff_views.calendar_settings, name="calendar"),
    path("feed/<str:token>.ics", staff_views.calendar_feed, name="calendar_feed"),
]
