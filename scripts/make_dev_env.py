"""Print a .env for local development: DEBUG on, fresh secrets generated once by `make run`."""

import base64
import secrets

print("DJANGO_DEBUG=1")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"KEY_ENCRYPTION_KEY={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}")
print("SITE_URL=http://127.0.0.1:8000")
