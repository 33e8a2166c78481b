"""The SMS providers' status callbacks, mounted at /messages/."""

from django.urls import path

from centers.messaging import receipt_views

app_name = "messaging"

urlpatterns = [
    path("receipts/aliyun/", receipt_views.aliyun_receipts, name="receipts_aliyun"),
    path("receipts/tencent/", receipt_views.tencent_receipts, name="receipts_tencent"),
]
