"""The production entry point: `gunicorn -c gunicorn.conf.py guide.wsgi:app`."""

from guide import create_app

app = create_app({"MIGRATIONS": False})  # migrations run before, from `flask db upgrade` (config.py)
