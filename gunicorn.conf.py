"""gunicorn's settings, in one place: the Dockerfile's CMD and docker-compose's web service read this file.

WEB_CONCURRENCY (workers) and GUNICORN_TIMEOUT (seconds a request may take before its worker is
killed and restarted) override the defaults; a bad value stops startup with a message naming it.
"""

from weaver.lib.env import env_int, env_str

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
workers = env_int("WEB_CONCURRENCY", 4, minimum=1)
# Requests answer in well under a second; long work (metrics, e-mails) runs on Celery workers.
timeout = env_int("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = timeout
accesslog = "-"
