package io.nuscape.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nuscape.core.auth.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** events/ingest-batch.json (the sample for sam local invoke -e) is a real v2 event the handler accepts. */
class SampleEventTest {
    @Test
    void theSampleEventIsAcceptedOnceItCarriesATokenAndFreshTimestamps() throws Exception {
        String text = Files.readString(Path.of("../../events/ingest-batch.json"));
        APIGatewayV2HTTPEvent event = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(text, APIGatewayV2HTTPEvent.class);
        try (IngestFixture f = new IngestFixture("sample", Map.of())) {
            Map<String, String> headers = new HashMap<>(event.getHeaders());
            assertEquals(401, f.handler.handleRequest(event, null).getStatusCode(), "the placeholder token is refused");
            headers.put("authorization", "Bearer " + f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0));
            event.setHeaders(headers);
            event.setBody(event.getBody().replaceAll("2026-11-23T10:1[56]:30.123Z", Instant.now().toString()));
            APIGatewayV2HTTPResponse r = f.handler.handleRequest(event, null);
            assertEquals(202, r.getStatusCode(), r.getBody());
            assertEquals(2, IngestFixture.json(r).get("accepted").asInt());
        }
    }
}
