"""REST API v1 (django-ninja) under /api/v1/, with its OpenAPI document [IN1]."""
