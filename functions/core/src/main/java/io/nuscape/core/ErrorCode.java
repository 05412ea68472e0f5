package io.nuscape.core;

/** The error codes of CONTRACT.md with their HTTP status. */
public enum ErrorCode {
    INVALID_REQUEST(400, "invalid_request"),
    INVALID_TOKEN(401, "invalid_token"),
    INVALID_CREDENTIALS(401, "invalid_credentials"),
    INSUFFICIENT_SCOPE(403, "insufficient_scope"),
    FORBIDDEN_ORIGIN(403, "forbidden_origin"),
    DEVICE_REVOKED(403, "device_revoked"),
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    CONFLICT(409, "conflict"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
    RATE_LIMITED(429, "rate_limited"),
    QUOTA_EXCEEDED(429, "quota_exceeded"),
    INTERNAL(500, "internal"),
    UNAVAILABLE(503, "unavailable");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
