from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
