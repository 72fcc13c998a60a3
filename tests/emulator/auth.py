"""GitHub App authentication: app JWTs and installation access tokens."""

from __future__ import annotations

import jwt

from .routing import Refusal
from .state import App

MAX_JWT_LIFETIME = 600
CLOCK_DRIFT = 60
TOKEN_LIFETIME = 3600


def unauthorized(message: str) -> Refusal:
    return Refusal(401, message)


def verify_app_jwt(token: str, apps: dict[int, App], now: float) -> App:
    """The app that signed `token`, checked the way GitHub checks it, else a 401."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise unauthorized(f"A JSON web token could not be decoded ({exc})") from None
    app = next((a for a in apps.values()
                if str(claims.get("iss")) in (str(a.id), a.client_id)), None)
    if app is None:
        raise unauthorized("'Issuer' claim ('iss') must be an Integer or Client ID of a known app")
    try:
        jwt.decode(token, app.public_key, algorithms=["RS256"],
                   options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                            "require": ["iat", "exp", "iss"]})
    except jwt.PyJWTError as exc:
        raise unauthorized(f"A JSON web token could not be decoded ({exc})") from None
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int) or not isinstance(exp, int):
        raise unauthorized("'iat' and 'exp' claims must be Integers (seconds since the epoch)")
    if iat > now + CLOCK_DRIFT:
        raise unauthorized("'Issued at' claim ('iat') must be an Integer representing the time "
                           "that the assertion was issued")
    if exp <= now:
        raise unauthorized("'Expiration time' claim ('exp') must be a numeric value representing "
                           "the future time at which the assertion expires")
    if exp - iat > MAX_JWT_LIFETIME:
        raise unauthorized("'Expiration time' claim ('exp') is too far in the future")
    return app


def scheme_and_credentials(header: str | None) -> tuple[str, str] | None:
    """Split "token x" / "Bearer x" (any case), as GitHub accepts both for installation tokens."""
    if not header or " " not in header.strip():
        return None
    scheme, _, value = header.strip().partition(" ")
    return scheme.lower(), value.strip()
