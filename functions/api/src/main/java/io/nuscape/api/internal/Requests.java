package io.nuscape.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.Json;
import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Uuids;
import io.nuscape.core.event.Rfc3339;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.UUID;

/** What every resource does the same way: the caller, JSON bodies in and out, ids from paths. */
public final class Requests {
    private Requests() {
    }

    public static Principal principal(ContainerRequestContext request) {
        return (Principal) request.getProperty(AuthenticationFilter.PRINCIPAL);
    }

    /** A JSON object body, strictly parsed; anything else is a 400 saying so. */
    public static JsonNode object(String body) {
        if (body == null || body.isBlank()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "body must be a JSON object");
        }
        try {
            JsonNode node = Json.mapper().readTree(body);
            if (node == null || !node.isObject()) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "body must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "body is not valid JSON");
        }
    }

    /** A required text field of 1..max characters without control characters. */
    public static String text(JsonNode body, String field, int max) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > max
                || v.asText().chars().anyMatch(Character::isISOControl)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + field + "\" must be a string of 1 to " + max + " characters");
        }
        return v.asText().strip();
    }

    /** An id from a path: anything that is not a UUID is as unknown as a UUID of another account. */
    public static UUID id(String value) {
        if (value == null || !Uuids.isCanonical(value)) {
            throw notFound();
        }
        return UUID.fromString(value);
    }

    /** An RFC 3339 date-time parameter, or a 400 with an example. */
    public static Instant time(String name, String text) {
        long millis = Rfc3339.parseMillis(text);
        if (millis == Long.MIN_VALUE) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + name + "\" must be an RFC 3339 date-time, e.g. 2026-11-23T10:00:00Z");
        }
        return Instant.ofEpochMilli(millis);
    }

    /** The longest range a dashboard answers for (CONTRACT.md). */
    public static final Duration MAX_RANGE = Duration.ofDays(400);

    /** A dashboard's time range: {@code to} defaults to now, {@code from} to 24 hours before {@code to}. */
    public record TimeRange(Instant from, Instant to) {
    }

    /** The range of {@code from} and {@code to} parameters, or a 400 saying what is wrong. */
    public static TimeRange range(String fromText, String toText, Clock clock) {
        Instant to = toText == null ? clock.instant() : time("to", toText);
        Instant from = fromText == null ? to.minus(Duration.ofHours(24)) : time("from", fromText);
        if (!to.isAfter(from)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"to\" must be after \"from\"");
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "a range may span at most 400 days");
        }
        return new TimeRange(from, to);
    }

    private static final ZoneId UTC = ZoneId.of("UTC");

    /** The {@code tz} parameter: an IANA zone name, UTC when absent. */
    public static ZoneId zone(String tz) {
        if (tz == null) {
            return UTC;
        }
        // Region names only (Europe/Paris, UTC): fixed offsets like +02:00 are not zones a person lives in, and
        // ZoneId.of would also read them.
        if (!tz.isEmpty() && tz.length() <= 64 && Character.isLetter(tz.charAt(0)) && ZoneId.getAvailableZoneIds().contains(tz)) {
            return ZoneId.of(tz);
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, "\"tz\" must be an IANA time zone name, e.g. Europe/Paris or America/New_York");
    }

    /** The range's buckets of the zone's calendar, or 400 when there are more than {@code max}. */
    public static io.nuscape.core.usage.Buckets buckets(TimeRange range, io.nuscape.core.usage.Step step, ZoneId zone, int max) {
        try {
            return io.nuscape.core.usage.Buckets.of(range.from(), range.to(), step, zone, max);
        } catch (io.nuscape.core.usage.Buckets.TooManyBucketsException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, e.getMessage() + "; at most " + max
                    + " points: use a larger step or a shorter range");
        }
    }

    /** An integer parameter in [min, max], {@code fallback} when absent. */
    public static int integer(String name, String text, int fallback, int min, int max) {
        if (text == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // Answered below.
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + name + "\" must be an integer from " + min + " to " + max);
    }

    /** The caller making a change now, as the audit log records it. */
    public static Change change(ContainerRequestContext request, Clock clock) {
        return new Change(principal(request).actor(), clock.instant());
    }

    public static ApiException notFound() {
        return new ApiException(ErrorCode.NOT_FOUND, "no such resource in this account");
    }

    public static Response json(int status, Object body) {
        return Response.status(status).type("application/json; charset=utf-8").entity(Json.write(body)).build();
    }
}
