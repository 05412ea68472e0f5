package io.nuscape.migrate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pieces of the custom resource that need no database: version arithmetic and the answer's size. */
class CustomResourceUnitTest {
    static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:nuscape-prod-MigrateFunction";

    @Test
    void versionsAreReadFromTheEnvironmentOrTheInvokedArnAndOrderedAsNumbers() {
        assertEquals(Optional.of("9"), FunctionVersions.running("9", ARN + ":live"), "through an alias: the version running");
        assertEquals(Optional.of("7"), FunctionVersions.running(null, ARN + ":7"));
        assertEquals(Optional.of("7"), FunctionVersions.running("$LATEST", ARN + ":7"));
        assertEquals(Optional.empty(), FunctionVersions.running(null, ARN + ":live"));
        assertEquals(Optional.empty(), FunctionVersions.running(null, ARN));
        assertEquals("12", FunctionVersions.named(ARN + ":12"), "!Ref of a version is its ARN");
        assertEquals("12", FunctionVersions.named("12"));
        assertTrue(FunctionVersions.compare("10", "9").orElseThrow() > 0, "10 is newer than 9: numbers, not text");
        assertEquals(Optional.of(0), FunctionVersions.compare("$LATEST", "$LATEST"));
        assertEquals(Optional.empty(), FunctionVersions.compare("$LATEST", "9"));
    }

    @Test
    void aReasonOfFourByteCharactersIsCutWholeAndTheBodyStillFits() throws Exception {
        var request = new CustomResourceRequest("Create", "http://x", "arn:aws:cloudformation:eu-west-1:1:stack/s/1", "r", "SchemaMigration",
                null, Map.of(), Map.of());
        String body = CustomResourceResponse.failed(request, "nuscape-schema", "😀".repeat(5_000)).toJson();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length <= CustomResourceResponse.MAX_BODY_BYTES, bytes.length + " bytes");
        String reason = Json.mapper().readTree(bytes).get("Reason").asText();
        assertTrue(reason.endsWith("…"));
        String kept = reason.substring(0, reason.length() - 1);
        assertEquals(0, kept.length() % 2, "no half of a surrogate pair");
        assertEquals("😀".repeat(kept.length() / 2), kept);

        String small = CustomResourceResponse.success(request, "nuscape-schema", null, Map.of("migrations_applied", 1)).toJson();
        assertEquals("{\"Status\":\"SUCCESS\",\"PhysicalResourceId\":\"nuscape-schema\",\"StackId\":\"arn:aws:cloudformation:eu-west-1:1:stack/s/1\","
                + "\"RequestId\":\"r\",\"LogicalResourceId\":\"SchemaMigration\",\"Data\":{\"migrations_applied\":1}}", small,
                "a body that fits is left as it is");
    }
}
