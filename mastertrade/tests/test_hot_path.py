"""The WSGI module keeps the loaded application out of the garbage collector's scans.
(The fast-path pieces' own tests are in mastertrade/fastpath/tests.)"""

import json
import subprocess
import sys

# Run in a fresh interpreter: which objects the collector still tracks after the WSGI
# module is imported (gc.get_objects() leaves out the frozen ones).
PROBE = """
import gc, json
import mastertrade.wsgi as wsgi
from django.apps import apps
loaded = {
    "application": wsgi.application,
    "app registry": apps.app_configs,
    "core package": vars(apps.get_app_config("core").module),
    "middleware chain": getattr(wsgi.application, "_middleware_chain", None) or wsgi.application.__closure__,
}
fresh = [object()]
tracked = {id(o) for o in gc.get_objects()}
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "still scanned": sorted(name for name, o in loaded.items() if id(o) in tracked),
    "fresh scanned": id(fresh) in tracked,
}))
"""


def test_the_loaded_application_is_kept_out_of_the_garbage_collectors_scans():
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["fresh scanned"]  # the probe can tell a scanned object from a frozen one
    assert seen["still scanned"] == [], "frozen before the application was loaded"
    assert seen["frozen"] > 10_000
