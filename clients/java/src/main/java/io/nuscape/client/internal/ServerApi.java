package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * The three routes a device uses (CONTRACT.md): ingest, enrollment with a code, and renewal of its own token.
 * Every answer is sorted into a {@link ServerAnswer}; nothing here retries or sleeps.
 */
public final class ServerApi {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "nuscape-client-java/1";
    /** The contract's error codes for a request that is wrong as it is: only these make dead letters. */
    static final Set<String> REFUSALS = Set.of("invalid_request", "payload_too_large", "unsupported_media_type");
    private final HttpClient http;
    private final Duration requestTimeout;

    public ServerApi(Duration connectTimeout, Duration requestTimeout) {
        // HTTP/1.1 with keep-alive: one request at a time per device, so HTTP/2's multiplexing would buy nothing.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.requestTimeout = requestTimeout;
    }

    /** {@code POST /api/v1/events/batch} with a stored, gzipped body. */
    public ServerAnswer uploadBatch(URI server, String token, byte[] gzippedBody) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(resolve(server, "/api/v1/events/batch"))
                .timeout(requestTimeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzippedBody))
                .build();
        return send(request);
    }

    /** {@code POST /api/v1/enroll} (no token). */
    public ServerAnswer enroll(URI server, String code, String name, String platform) throws InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("code", code).put("name", name).put("platform", platform);
        return send(json(resolve(server, "/api/v1/enroll"), body, null));
    }

    /** {@code POST /api/v1/devices/self/token}: the next token; the one used stops working. */
    public ServerAnswer renewToken(URI server, String token) throws InterruptedException {
        return send(json(resolve(server, "/api/v1/devices/self/token"), JSON.createObjectNode(), token));
    }

    private HttpRequest json(URI uri, JsonNode body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    static URI resolve(URI server, String path) {
        String base = server.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + path);
    }

    private ServerAnswer send(HttpRequest request) throws InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // Includes timeouts and connections dropped after the server may have acted: the same request again is safe.
            return new ServerAnswer.RetryLater(0, "network", e.getClass().getSimpleName() + ": " + e.getMessage(), null, null);
        }
        return classify(response.statusCode(), response.body(), response.headers().firstValue("Retry-After"),
                response.headers().firstValue("Date"));
    }

    static ServerAnswer classify(int status, String body, Optional<String> retryAfter, Optional<String> date) {
        Instant serverTime = date.flatMap(ServerApi::httpDate).orElse(null);
        JsonNode parsed = parse(body);
        String error = parsed == null ? null : parsed.path("error").asText(null);
        String message = parsed == null ? abbreviate(body) : parsed.path("message").asText(abbreviate(body));
        if (status >= 200 && status < 300) {
            if (parsed == null) {
                return new ServerAnswer.RetryLater(status, "bad_answer", "a " + status + " whose body is not JSON: " + abbreviate(body), null, serverTime);
            }
            return new ServerAnswer.Success(status, parsed, serverTime);
        }
        if (status == 429 || status >= 500 || status == 408) {
            return new ServerAnswer.RetryLater(status, error == null ? "http_" + status : error, message,
                    retryAfter.flatMap(v -> retryAfter(v, serverTime)).orElse(null), serverTime);
        }
        if (status == 403 && "device_revoked".equals(error)) {
            return new ServerAnswer.Revoked(message, serverTime);
        }
        if (status == 401 || status == 403) {
            return new ServerAnswer.TokenRejected(status, error == null ? "http_" + status : error, message, serverTime);
        }
        if (status >= 400 && status < 500 && error != null && REFUSALS.contains(error)) {
            return new ServerAnswer.Refused(status, error, message, body, serverTime);
        }
        if (status >= 400 && status < 500) {
            // Not the contract's answer: a wrong URL or a proxy (a 404 or 405 page) says nothing about the batch.
            return new ServerAnswer.Unexpected(status, error == null ? "http_" + status : error, message, serverTime);
        }
        // 1xx and 3xx are not in the contract: most likely a proxy in the way, which may go away.
        return new ServerAnswer.RetryLater(status, "http_" + status, "unexpected answer: " + abbreviate(body), null, serverTime);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    /** {@code Retry-After}: seconds, or an HTTP date (RFC 9110 §10.2.3), read against the server's own clock when it sent one. */
    static Optional<Duration> retryAfter(String value, Instant serverTime) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            return httpDate(v).map(at -> {
                Duration d = Duration.between(serverTime != null ? serverTime : Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            });
        }
    }

    static Optional<Instant> httpDate(String value) {
        try {
            return Optional.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
