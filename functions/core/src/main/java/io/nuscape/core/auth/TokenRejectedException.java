package io.nuscape.core.auth;

/**
 * A bearer token that cannot be accepted: missing, malformed, expired, not yet valid, signed by an unknown
 * or mismatched key, or with claims that do not fit. The message is safe to show the client; it never
 * contains the token.
 */
public final class TokenRejectedException extends Exception {
    public TokenRejectedException(String message) {
        super(message, null, false, false);
    }
}
