from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from helpwire.workspace.views import (
    auth,
    bulk,
    clients,
    mailbox_oauth,
    mailboxes,
    mailings,
    misc,
    queues,
    settings,
    suggest,
    ticket_sla,
    tickets,
)

app_name = "workspace"

urlpatterns = [
    path("", queues.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="workspace:login"), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="workspace/password_reset_done.html"), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="workspace/password_reset_confirm.html",
        success_url=reverse_lazy("workspace:login")), name="password_reset_confirm"),
    path("preferences/", auth.preferences, name="preferences"),
    path("queues/<slug:slug>/", queues.queue, name="queue"),
    path("views/<int:pk>/", queues.saved_view, name="saved_view"),
    path("views/save/", queues.save_view, name="save_view"),
    path("views/<int:pk>/rename/", queues.view_rename, name="view_rename"),
    path("views/<int:pk>/update/", queues.view_update, name="view_update"),
    path("views/<int:pk>/delete/", queues.view_delete, name="view_delete"),
    path("counts/", queues.counts, name="counts"),
    path("search/", misc.search, name="search"),
    path("notifications/", misc.notifications, name="notifications"),
    path("notifications/read/", misc.notifications_read, name="notifications_read"),
    path("tickets/new/", tickets.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", tickets.ticket_page, name="ticket"),
    path("t/<int:number>/", tickets.ticket_by_number, name="ticket_by_number"),
    path("tickets/<int:pk>/body/", tickets.ticket_fragment, name="ticket_fragment"),
    path("tickets/<int:pk>/reply/", tickets.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/update/", tickets.ticket_update, name="ticket_update"),
    path("tickets/<int:pk>/reminder/", tickets.ticket_reminder, name="ticket_reminder"),
    path("tickets/<int:pk>/take/", tickets.ticket_take, name="ticket_take"),
    path("tickets/<int:pk>/merge/", tickets.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/templates/", tickets.ticket_templates, name="ticket_templates"),
    path("attachments/<uuid:pk>/", tickets.attachment, name="attachment"),
    path("messages/<int:pk>/original/", tickets.message_original, name="message_original"),
    path("clients/<int:pk>/", clients.client_card, name="client"),
    path("clients/<int:pk>/update/", clients.client_update, name="client_update"),
    path("clients/<int:pk>/merge/", clients.client_merge, name="client_merge"),
    *bulk.urlpatterns,
    *suggest.urlpatterns,
    *settings.urlpatterns,
    *mailboxes.urlpatterns,
    *mailbox_oauth.urlpatterns,
    *mailings.urlpatterns,
    *ticket_sla.urlpatterns,
]
