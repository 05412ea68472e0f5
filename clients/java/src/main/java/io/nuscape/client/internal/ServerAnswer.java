package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;

/** What one request to the server came to, sorted by what the client must do next. */
public sealed interface ServerAnswer {
    /** The server's clock when it answered ({@code Date} header), null when unknown. */
    Instant serverTime();

    /** 2xx: done (for a batch, {@code body} has accepted, rejected, duplicate). */
    record Success(int status, JsonNode body, Instant serverTime) implements ServerAnswer {
    }

    /** 429, 5xx, a timeout or a network error: nothing was done, or we cannot tell; send the same again later. */
    record RetryLater(int status, String error, String message, Duration retryAfter, Instant serverTime) implements ServerAnswer {
    }

    /** 403 {@code device_revoked}: the device was erased or its token replaced. */
    record Revoked(String message, Instant serverTime) implements ServerAnswer {
    }

    /** 401, or a 403 other than revoked: this token will not do. */
    record TokenRejected(int status, String error, String message, Instant serverTime) implements ServerAnswer {
    }

    /** Any other 4xx: the request is wrong and must not be sent again as it is. */
    record Refused(int status, String error, String message, String body, Instant serverTime) implements ServerAnswer {
    }
}
