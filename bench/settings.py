"""Settings of the gunicorn that ``bench.pages`` measures: the production settings (DEBUG off,
everything else from the environment like a deployment) plus a bench-only URLconf with a bare view.

Static files: the benchmark never requests one, it only renders pages whose ``{% static %}`` tags
read the manifest. The hashed-manifest storage gives the same lookups as production's
whitenoise ``CompressedManifestStaticFilesStorage`` without brotli-compressing every vendored asset,
which costs minutes of CPU per collectstatic (WhiteNoise still serves the collected files).
"""

from portal.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
