import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

from mastertrade.fastpath.handlers import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

# What exists once the application is loaded (modules, settings, URL patterns, the
# serializers' field prototypes: some 10^5 objects) lives as long as the process: keep
# it out of the cyclic garbage collector's scans (gc.freeze), which otherwise walk it
# again and again — 2 % of a goal read's instructions (bench/api.py).
gc.collect()
gc.freeze()
