from django.urls import path

from . import safety_views, views

app_name = "cases"

urlpatterns = [
    # Residents and everyone
    path("help/", views.help_now, name="help_now"),
    path("self-check/", views.self_check, name="self_check"),
    path("self-check/<int:resident_pk>/consent/", views.self_check_consent, name="self_check_consent"),
    path("self-check/<int:resident_pk>/<slug:instrument>/", views.self_check_take, name="self_check_take"),
    path("self-check/result/<int:pk>/", views.self_check_result, name="self_check_result"),
    path("self-check/help/<int:pk>/", views.self_check_help, name="self_check_help"),
    path("partner/<str:token>/", views.partner_feedback, name="partner_feedback"),
    path("my-safety-plan/", safety_views.my_safety_plan, name="my_safety_plan"),
    # Staff landings
    path("workspace/", views.workspace, name="workspace"),
    path("console/", views.console, name="console"),
    path("alerts/panel/", views.alerts_panel, name="alerts_panel"),
    path("alerts/latest/", views.alerts_latest, name="alerts_latest"),
    path("consultations/", views.consultations, name="consultations"),
    path("consultations/<int:pk>/", views.consultation_advise, name="consultation_advise"),
    path("tasks/", views.volunteer_tasks, name="volunteer_tasks"),
    # Working a case
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/panel/<slug:panel>/", views.case_panel, name="case_panel"),
    path("<int:pk>/tier/", views.case_tier, name="case_tier"),
    path("<int:pk>/tier/confirm/", views.case_tier_confirm, name="case_tier_confirm"),
    path("<int:pk>/stage/", views.case_stage, name="case_stage"),
    path("<int:pk>/phase/", views.case_phase, name="case_phase"),
    path("<int:pk>/tags/", views.case_tags, name="case_tags"),
    path("<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("<int:pk>/contact/", views.case_contact, name="case_contact"),
    path("<int:pk>/group/", views.case_group, name="case_group"),
    path("<int:pk>/take/", views.case_take, name="case_take"),
    path("<int:pk>/consent/", views.case_consent, name="case_consent"),
    path("<int:pk>/alert/", views.case_alert, name="case_alert"),
    path("<int:pk>/notes/", views.case_note, name="case_note"),
    path("<int:pk>/screening/<slug:instrument>/", views.case_screening, name="case_screening"),
    path("<int:pk>/referrals/", views.case_referral, name="case_referral"),
    path("<int:pk>/consult/", views.case_consult, name="case_consult"),
    path("<int:pk>/reassess/", views.case_reassess, name="case_reassess"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/sign-off/", views.case_sign_off, name="case_sign_off"),
    path("<int:pk>/safety-plan/", safety_views.case_safety_plan, name="case_safety_plan"),
    path("<int:pk>/safety-plan/history/", safety_views.case_safety_plan_history, name="case_safety_plan_history"),
    path("<int:pk>/emergency-contacts/", safety_views.case_emergency_contacts, name="case_emergency_contacts"),
    path("emergency-contacts/<int:pk>/use/", safety_views.emergency_contact_use, name="emergency_contact_use"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert_ack"),
    path("alerts/<int:pk>/contact/", views.alert_contact, name="alert_contact"),
    path("referrals/<int:pk>/", views.referral_update, name="referral_update"),
    path("follow-ups/<int:pk>/", views.followup_done, name="followup_done"),
    path("follow-ups/<int:pk>/assign/", views.followup_assign, name="followup_assign"),
]
