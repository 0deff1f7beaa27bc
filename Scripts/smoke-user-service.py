#!/usr/bin/env python3
"""End-to-end check of a running user service, with an independent JWT library (PyJWT).

Usage: smoke-user-service.py BASE_URL   (waits up to 60 s for readiness; exits non-zero on any failure)
"""
import sys
import time

import jwt
import requests

base = sys.argv[1].rstrip("/")
deadline = time.time() + 60
while True:
    try:
        if requests.get(f"{base}/health/ready", timeout=2).status_code == 200:
            break
    except requests.RequestException:
        pass
    if time.time() > deadline:
        sys.exit("user-service did not become ready")
    time.sleep(0.2)


def expect(condition, message):
    if not condition:
        sys.exit(f"FAILED: {message}")
    print(f"ok  {message}")


r = requests.post(f"{base}/users", json={"email": "smoke@example.com", "displayName": "Smoke", "password": "smoke password"})
expect(r.status_code == 201, f"register answers 201 ({r.status_code})")

r = requests.post(f"{base}/oauth/token", data={"grant_type": "password", "username": "smoke@example.com", "password": "smoke password"})
expect(r.status_code == 200 and r.headers.get("cache-control") == "no-store", "password grant issues tokens with no-store")
tokens = r.json()

jwks = jwt.PyJWKClient(f"{base}/.well-known/jwks.json")
key = jwks.get_signing_key_from_jwt(tokens["access_token"])
claims = jwt.decode(tokens["access_token"], key.key, algorithms=["ES256"], audience="tradewind", issuer="tradewind-user-service")
expect(claims["roles"] == ["customer"], "PyJWT verifies the access token against the published JWKS")

r = requests.get(f"{base}/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
expect(r.status_code == 200 and r.json()["email"] == "smoke@example.com", "GET /users/me with the token")

r = requests.post(f"{base}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
expect(r.status_code == 200 and r.json()["refresh_token"] != tokens["refresh_token"], "refresh rotates the refresh token")
rotated = r.json()["refresh_token"]
r = requests.post(f"{base}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
expect(r.status_code == 400 and r.json()["error"] == "invalid_grant", "re-using a rotated refresh token is refused")
r = requests.post(f"{base}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": rotated})
expect(r.status_code == 400, "and it revoked the whole family")

r = requests.post(f"{base}/users", data=b"\xff\xfe", headers={"Content-Type": "application/json"})
expect(r.status_code == 400 and r.headers["content-type"] == "application/problem+json", "non-UTF-8 body is a problem+json 400")

r = requests.post(f"{base}/oauth/token", data={"grant_type": "password", "username": "admin@example.com", "password": "ci admin password"})
expect(r.status_code == 200, "the administrator from ADMIN_EMAIL/ADMIN_PASSWORD signs in")
admin = r.json()["access_token"]
r = requests.get(f"{base}/users?limit=1", headers={"Authorization": f"Bearer {admin}"})
expect(r.status_code == 200 and r.json().get("nextCursor"), "admin lists users with a cursor")

r = requests.get(f"{base}/metrics")
expect(r.status_code == 200 and 'http_route="/users/me"' in r.text, "metrics are labelled by route template")
print("smoke test passed")
