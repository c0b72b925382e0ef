FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
# Settings refuse DEBUG=0 without a secret key and host names; collectstatic needs neither for real.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=collectstatic.invalid \
    python manage.py collectstatic --noinput

RUN useradd --create-home weaver && mkdir -p /app/var && chown weaver /app/var
USER weaver
EXPOSE 8000
# Workers, timeout and bind address: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_TIMEOUT).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "weaver.wsgi:application"]
