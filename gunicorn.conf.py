# Production server settings: `gunicorn app:app` reads this file. Workers memory-map one index.
# Values come from the project's settings (bot/settings.py): HOST, PORT, WEB_CONCURRENCY,
# GUNICORN_THREADS, HEADER_TIMEOUT.
import logging
import os

# One BLAS thread per request thread: the sentence encoder's small matrix products gain nothing from
# more, and WEB_CONCURRENCY x GUNICORN_THREADS requests each spawning one BLAS thread per core would
# oversubscribe the machine. Set before anything imports numpy (bot.settings does, here in the
# master): OpenBLAS reads the variable once, when it loads, and the workers inherit it. Set after,
# two workers each spun two BLAS threads on two cores: 62 chat requests a second, p99 1.4 s.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from bot.settings import load_settings  # noqa: E402

_settings = load_settings()

bind = f"{_settings['HOST']}:{_settings['PORT']}"
workers = _settings["WEB_CONCURRENCY"]
# gthread with a request-head deadline (web/server.py): slow or stalled clients hold a thread each for at
# most HEADER_TIMEOUT seconds, never a whole worker.
worker_class = "web.server.HeaderTimeoutWorker"
threads = _settings["GUNICORN_THREADS"]
preload_app = False  # each worker maps the index files itself; the page cache holds one copy
timeout = 30
keepalive = 5
control_socket_disable = True  # no runtime control socket: two instances would otherwise share one path
# %(U)s is the path without its query string: nothing a person typed reaches the access log.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def on_starting(server):
    if _settings["PRODUCTION"] and workers > 1 and not _settings["REDIS_URL"]:
        logging.getLogger("gunicorn.error").warning(
            "REDIS_URL is not set: rate limits are counted per worker, so %d workers allow up to %d x RATE_LIMIT",
            workers,
            workers,
        )


def post_worker_init(worker):
    """Each worker answers a fixed question before it takes traffic: the first users after a start or a
    restart would otherwise wait for the lazy loads (about 0.1 s each, far more while 16 requests
    queue behind them)."""
    bot = getattr(worker.wsgi, "extensions", {}).get("bot")
    if bot is not None:
        bot.warm_up()
