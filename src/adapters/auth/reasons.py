"""Short, client-safe reasons for the ways a token can fail PyJWT's checks."""

import jwt

_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAlgorithmError, "the token is signed with an algorithm that is not accepted"),
    (jwt.InvalidSignatureError, "the token's signature does not match"),
    (jwt.InvalidIssuerError, "the token comes from another issuer"),
    (jwt.InvalidAudienceError, "the token is meant for another audience"),
)


def reason_for(error: jwt.PyJWTError) -> str:
    """Why PyJWT refused a token, in a few words that reveal nothing of the key."""
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no {error.claim!r} claim"
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "the token is malformed"
