"""The Django project that runs django-helpdesk as the benchmark peer [#11]."""
