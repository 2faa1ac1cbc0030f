"""Container healthchecks of docker-compose.yml; standard library only, since they run every minute.

    python scripts/healthcheck.py web    # /healthz answers 200 (the app is up and reaches its database)
    python scripts/healthcheck.py beat   # beat has written its schedule lately (its loop is alive)

Exit 0 when healthy, 1 otherwise (with the reason on stderr).
"""

from __future__ import annotations

import glob
import http.client
import os
import sys
import time
from urllib.parse import urlsplit

# Beat writes its schedule after sending a task once 3 minutes have passed, and it sends one every minute.
BEAT_SCHEDULE = os.environ.get("BEAT_SCHEDULE", "/data/beat/celerybeat-schedule")
BEAT_STALE_SECONDS = 600


def web() -> str | None:
    # As the proxy's requests arrive: the site's host name (ALLOWED_HOSTS) and https (no redirect).
    host = urlsplit(os.environ.get("SITE_URL", "")).netloc or "localhost"
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as exc:
        return f"web: {exc}"
    finally:
        connection.close()
    return None if status == 200 else f"web: /healthz answered {status}"


def beat() -> str | None:
    # The file's suffix depends on the dbm module at hand (none, .db, or .dat/.dir/.bak).
    files = glob.glob(glob.escape(BEAT_SCHEDULE) + "*")
    if not files:
        return f"beat: no schedule at {BEAT_SCHEDULE}"
    age = time.time() - max(os.path.getmtime(path) for path in files)
    return None if age < BEAT_STALE_SECONDS else f"beat: schedule last written {age:.0f} s ago"


def main(argv: list[str]) -> int:
    checks = {"web": web, "beat": beat}
    if len(argv) != 2 or argv[1] not in checks:
        print(f"usage: {argv[0]} {'|'.join(checks)}", file=sys.stderr)
        return 2
    problem = checks[argv[1]]()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
