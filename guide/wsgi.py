"""The production entry point: `gunicorn -c gunicorn.conf.py guide.wsgi:app`."""

from guide import create_app
from guide.core.prefork import serve_a_first_page

app = create_app({"MIGRATIONS": False})  # migrations run before, from `flask db upgrade` (config.py)
serve_a_first_page(app)  # what every first page builds, built once here: gunicorn's workers share it
