# Production server settings: `gunicorn app:app` reads this file. Workers memory-map one index.
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # one thread a worker measured fastest on 2 cores
preload_app = False  # each worker maps the index files itself; the page cache holds one copy
timeout = 30
# %(U)s is the path without its query string: nothing a person typed reaches the access log.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
