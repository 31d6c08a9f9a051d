"""gunicorn settings loaded by the image's CMD (`--config python:portal.gunicorn_conf`).

Only what the command line cannot say: gunicorn names itself and its version in a `Server` header
on every response, which tells a scanner exactly which CVEs to try (docs/security.md, #13). The
header stays (HTTP expects one) but carries no product or version.
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "dxportal"
