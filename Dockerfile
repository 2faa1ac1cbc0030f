# The production image: gunicorn, the Celery workers and beat all run from it (docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV_FILE="" \
    STATIC_ROOT=/data/static \
    MEDIA_ROOT=/data/media

WORKDIR /app

# An unprivileged user with a fixed uid owns what the processes write: the static and media volumes (compose
# mounts them here, and a new volume takes this ownership) and beat's schedule. The code stays root's, read-only.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app app \
    && mkdir -p /data/static /data/media /data/beat \
    && chown -R app:app /data

# The locked runtime versions only, each checked against its hash; this layer changes only with the lock.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes -r requirements/runtime.txt

COPY . .
RUN pip install --no-deps -e .

USER app
# Static files are collected at build, into the image, as the app user. The settings need values to load: these
# placeholders exist only for this one command and are not kept in the image.
RUN SECRET_KEY=collectstatic-only KEY_ENCRYPTION_KEY=collectstatic-only SITE_URL=https://build.invalid \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
