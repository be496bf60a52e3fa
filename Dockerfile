# MasterTrade Goals: one image for every role (web, worker, beat); the compose
# file picks the role with `command:`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mastertrade.settings.production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

WORKDIR /app

# Unprivileged runtime user. The code stays root-owned (read-only for the app);
# only var/ (static files, backups, …) is writable by it.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first so the layer is cached across code changes.
# psycopg[binary] ships its own libpq: no build tools or system packages needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN mkdir -p /app/var && chown app:app /app/var

USER app

# Static files are baked into the image (served by WhiteNoise). Production
# settings refuse to load without a secret key, so this one step gets a dummy
# one; it is never set in the image's environment.
RUN DJANGO_SECRET_KEY=collectstatic-build-only-dummy-key \
    python manage.py collectstatic --no-input -v0

# Every start clears the prometheus_client multiprocess directory (stale files
# from a previous run would corrupt the metrics), then runs the role's command.
ENTRYPOINT ["sh", "-c", "if [ -n \"$PROMETHEUS_MULTIPROC_DIR\" ]; then rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\"; fi; exec \"$@\"", "entrypoint"]

EXPOSE 8000
CMD ["gunicorn", "mastertrade.wsgi:application", "--bind", "0.0.0.0:8000"]
