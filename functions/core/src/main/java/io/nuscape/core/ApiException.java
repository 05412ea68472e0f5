package io.nuscape.core;

import java.util.Map;

/**
 * A request that ends in an error answer of CONTRACT.md: status and code from {@link ErrorCode}, a
 * message a person can act on, and any headers the contract names (Retry-After, WWW-Authenticate).
 */
public final class ApiException extends RuntimeException {
    private final ErrorCode error;
    private final Map<String, String> headers;

    public ApiException(ErrorCode error, String message) {
        this(error, message, defaultHeaders(error));
    }

    public ApiException(ErrorCode error, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.error = error;
        this.headers = Map.copyOf(headers);
    }

    /** 429 or 503 with the Retry-After the client should honour. */
    public static ApiException retryLater(ErrorCode error, String message, long retryAfterSeconds) {
        return new ApiException(error, message, Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    private static Map<String, String> defaultHeaders(ErrorCode error) {
        return error == ErrorCode.INVALID_TOKEN
                ? Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                : Map.of();
    }

    public ErrorCode error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
