# The relocation guide's image: one image, several processes (bin/entrypoint web|dispatcher|worker|migrate).
# Debian-based (WeasyPrint needs Pango; the letters need Noto, Arabic included), runs as a user without rights.
#   docker build -t relocation-guide .
#   docker compose up            (compose.yaml: PostgreSQL, Redis, migrate, web, dispatcher, worker)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    GUIDE_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/guide-metrics \
    GUIDE_AUDIO_DIR=/app/audio

# WeasyPrint (PDF letters): Pango, HarfBuzz, fontconfig; fonts-noto-core has Noto Sans/Serif and Noto Naskh Arabic
# (letters in Arabic); postgresql-client: pg_dump for the backup job (same major version as the server or newer:
# Debian 12 ships 15; use the PGDG repository for a newer server); espeak-ng and opus-tools: the spoken guide
# pages (the read-aloud fallback, made below at build time).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 shared-mime-info \
      fonts-noto-core postgresql-client tini espeak-ng opus-tools \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/guide --uid 10001 guide \
 && python -m venv /opt/venv \
 && mkdir -p /app /var/lib/guide/backups \
 && chown guide:guide /var/lib/guide /var/lib/guide/backups

WORKDIR /app
# dependencies first (a layer that changes only with pyproject.toml), then the code
COPY pyproject.toml ./
RUN mkdir guide && touch guide/__init__.py \
 && pip install "setuptools>=78.1.1" . \
 && pip uninstall -y relocation-guide && rm -rf guide build *.egg-info
COPY . .
# the spoken pages: every stage, rights page and the glossary in each language, into $GUIDE_AUDIO_DIR (read-only
# for the app, like the code they were made from; a throwaway key, so no secret is written into the image)
# the server imports /app/guide (gunicorn puts its directory first on sys.path), which nobody may write to and
# PYTHONDONTWRITEBYTECODE leaves uncompiled: its bytecode is compiled here once, not at each start of each process
RUN pip install --no-deps . \
 && python -m babel.messages.frontend compile -d translations --statistics \
 && python -m compileall -q guide \
 && python -c "import guide.core.pdf" \
 && GUIDE_SECRET_KEY=image-build-only GUIDE_DATABASE_URL=sqlite:///:memory: flask --app guide audio build --quiet \
 && chown -R root:root /app && chmod -R a+rX /app

USER guide
EXPOSE 8000
# tini reaps children and passes SIGTERM on: the dispatcher and the worker stop cleanly (nothing left "sending")
ENTRYPOINT ["/usr/bin/tini", "--", "bin/entrypoint"]
CMD ["web"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["bin/entrypoint", "healthcheck"]
