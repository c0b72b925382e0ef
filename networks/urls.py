from django.urls import path

from networks import views

app_name = "networks"

urlpatterns = [
    path("", views.network_list, name="network-list"),
    path("<slug:slug>/", views.network_detail, name="network-detail"),
    path("<slug:slug>/members/<int:pk>/", views.member_detail, name="member-detail"),
]
