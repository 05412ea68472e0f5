package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How answers are sorted, Retry-After read, and that nothing holding a token prints it. */
class ServerApiTest {
    static final Instant SERVER_NOW = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void retryAfterIsSecondsOrAnHttpDateReadAgainstTheServersClock() {
        assertEquals(Optional.of(Duration.ofSeconds(120)), ServerApi.retryAfter(" 120 ", SERVER_NOW));
        assertEquals(Optional.of(Duration.ofSeconds(90)), ServerApi.retryAfter("Tue, 24 Nov 2026 10:01:30 GMT", SERVER_NOW));
        assertEquals(Optional.of(Duration.ZERO), ServerApi.retryAfter("Tue, 24 Nov 2026 09:00:00 GMT", SERVER_NOW), "a date past is now");
    }

    @Test
    void aRetryAfterThatIsGarbageOrNegativeIsIgnored() {
        assertEquals(Optional.empty(), ServerApi.retryAfter("-5", SERVER_NOW));
        assertEquals(Optional.empty(), ServerApi.retryAfter("soon", SERVER_NOW));
        assertEquals(Optional.empty(), ServerApi.retryAfter("1.5", SERVER_NOW));
        assertEquals(Optional.empty(), ServerApi.retryAfter("", SERVER_NOW));
        var answer = ServerApi.classify(503, "{\"error\":\"unavailable\"}", Optional.of("whenever"), Optional.empty());
        assertEquals(null, assertInstanceOf(ServerAnswer.RetryLater.class, answer).retryAfter());
    }

    @Test
    void onlyTheContractsErrorsRefuseABatch() {
        assertInstanceOf(ServerAnswer.Refused.class, ServerApi.classify(400, "{\"error\":\"invalid_request\"}", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Refused.class, ServerApi.classify(413, "{\"error\":\"payload_too_large\"}", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Refused.class, ServerApi.classify(415, "{\"error\":\"unsupported_media_type\"}", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Unexpected.class, ServerApi.classify(404, "<html>Not Found</html>", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Unexpected.class, ServerApi.classify(405, "", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Unexpected.class, ServerApi.classify(400, "{\"error\":\"bad_request\"}", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Unexpected.class, ServerApi.classify(413, "<html>nginx: too large</html>", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.TokenRejected.class, ServerApi.classify(401, "{\"error\":\"invalid_token\"}", Optional.empty(), Optional.empty()));
        assertInstanceOf(ServerAnswer.Revoked.class, ServerApi.classify(403, "{\"error\":\"device_revoked\"}", Optional.empty(), Optional.empty()));
    }

    @Test
    void credentialsAndSuccessfulAnswersDoNotPrintTheToken() {
        String token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkIiwiZXhwIjoxfQ.c2lnbmF0dXJl";
        Credentials c = new Credentials(URI.create("https://api.example.com"), "device-1", token, Instant.EPOCH);
        assertFalse(c.toString().contains(token), c.toString());
        assertFalse(c.toString().contains("c2lnbmF0dXJl"), c.toString());
        assertTrue(c.toString().contains("device-1"));
        var answer = ServerApi.classify(201, "{\"token\":\"" + token + "\",\"expires_at\":\"2027-01-01T00:00:00Z\"}", Optional.empty(), Optional.empty());
        assertInstanceOf(ServerAnswer.Success.class, answer);
        assertFalse(answer.toString().contains("c2lnbmF0dXJl"), answer.toString());
        assertTrue(answer.toString().contains("token"), "names the field: " + answer);
    }
}
