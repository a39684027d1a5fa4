"""WSGI entry point: ``gunicorn app:app``, ``flask --app app run`` or ``python app.py``."""

from __future__ import annotations

import logging

from web import create_app

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
app = create_app()

if __name__ == "__main__":
    print(f" * Chat page: http://{app.config['HOST']}:{app.config['PORT']}/", flush=True)
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
