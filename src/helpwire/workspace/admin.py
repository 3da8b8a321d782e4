"""The Django admin's login takes the same throttled form as the workspace's."""

from django.contrib import admin

from helpwire.workspace.views.auth import AdminLoginForm

admin.site.login_form = AdminLoginForm
