"""Entry point for gunicorn: `gunicorn wsgi:app` (KCC_SECRET_KEY and KCC_DATABASE_URL from the environment)."""
from kcc import create_app

app = create_app()
