package io.nuscape.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;

/** The one assertion for CONTRACT.md's error answers: status, JSON error code, and a useful message. */
final class IngestContractTestSupport {
    private IngestContractTestSupport() {
    }

    static void assertError(APIGatewayV2HTTPResponse r, int status, String code, String messagePart) {
        assertEquals(status, r.getStatusCode(), r.getBody());
        JsonNode body = IngestFixture.json(r);
        assertEquals(code, body.get("error").asText(), r.getBody());
        assertTrue(body.get("message").asText().contains(messagePart), () -> "message was: " + body.get("message"));
        assertTrue(r.getHeaders().get("Content-Type").startsWith("application/json"));
    }
}
