package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What one request to the server came to, sorted by what the client must do next. */
public sealed interface ServerAnswer {
    /** The server's clock when it answered ({@code Date} header), null when unknown. */
    Instant serverTime();

    /** 2xx: done (for a batch, {@code body} has accepted, rejected, duplicate). */
    record Success(int status, JsonNode body, Instant serverTime) implements ServerAnswer {
        /** Names the body's fields only: an enrollment's or a renewal's body holds a bearer token. */
        @Override
        public String toString() {
            List<String> fields = new ArrayList<>();
            body.fieldNames().forEachRemaining(fields::add);
            return "Success[status=" + status + ", fields=" + fields + ", serverTime=" + serverTime + "]";
        }
    }

    /** 429, 5xx, a timeout or a network error: nothing was done, or we cannot tell; send the same again later. */
    record RetryLater(int status, String error, String message, Duration retryAfter, Instant serverTime) implements ServerAnswer {
    }

    /** 403 {@code device_revoked}: the device was erased or its token replaced. */
    record Revoked(String message, Instant serverTime) implements ServerAnswer {
    }

    /** 401, or a 403 other than revoked: this token will not do (now; an expired clock or key rotation may be at fault). */
    record TokenRejected(int status, String error, String message, Instant serverTime) implements ServerAnswer {
    }

    /**
     * A 4xx the contract does not answer with (a JSON body whose {@code error} is not one of the contract's, or
     * no JSON at all): most likely a wrong URL or a proxy in the way, not a wrong batch. Retried, slowly.
     */
    record Unexpected(int status, String error, String message, Instant serverTime) implements ServerAnswer {
    }

    /**
     * A 4xx the contract defines for a wrong request ({@code invalid_request}, {@code payload_too_large},
     * {@code unsupported_media_type}): it must not be sent again as it is.
     */
    record Refused(int status, String error, String message, String body, Instant serverTime) implements ServerAnswer {
    }
}
