package io.nuscape.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Ingest's cold path loads no Jackson databind (about 500 classes, most of what removing it saved): a fresh JVM
 * creates the handler as Lambda does and answers a batch with accepted and rejected events, then the same
 * batch again (the duplicate answer) and a refused one, logging at INFO; the JVM's class-loading log must
 * name no databind class. Databind is on this classpath (the API uses it), so a use of it would show.
 */
class ColdPathTest {
    static final TestKeys.Key KEY = TestKeys.hs256("cold-path");

    @Test
    void aColdIngestLoadsNoJacksonDatabind() throws Exception {
        String keys = TestKeys.keySet(KEY);
        String token = new TokenIssuer(KeySource.of(KeySet.parse(keys)), Optional.empty(), "nuscape", "nuscape")
                .issue(UUID.randomUUID(), UUID.randomUUID().toString(), Set.of(Scope.INGEST), 0, Instant.now(), Duration.ofHours(1));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:stdout", "-cp", System.getProperty("java.class.path"), ColdPathTest.class.getName(), token);
        pb.environment().putAll(Map.of("NUSCAPE_REDIS_URL", TestRedis.url(), "NUSCAPE_REDIS_PREFIX", TestRedis.uniquePrefix("cold"),
                "NUSCAPE_JWT_KEYS", keys, "NUSCAPE_LOG_LEVEL", "INFO"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> answers = out.lines().filter(l -> l.startsWith("ANSWER ")).toList();
        assertEquals(List.of("ANSWER 202 false", "ANSWER 202 true", "ANSWER 400 false"), answers, out);
        List<String> databind = out.lines().filter(l -> l.contains("com.fasterxml.jackson.databind.")).toList();
        assertTrue(databind.isEmpty(), () -> "ingest loaded Jackson databind:\n" + String.join("\n", databind));
    }

    /** The fresh JVM: the handler from the environment, as Lambda creates it; prints each answer. */
    public static void main(String[] args) {
        IngestHandler handler = new IngestHandler();
        long now = System.currentTimeMillis();
        String batch = "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":" + now
                + ",\"kind\":\"app\",\"key\":\"k\",\"duration_ms\":1000,\"extra\":[1,2.5,{\"x\":null}]},"
                + "{\"event_id\":\"not-a-uuid \\u00e9\\ud83d\\ude00\",\"ts\":" + now + ",\"kind\":\"app\",\"key\":\"k\"}]}";
        for (String body : new String[] {batch, batch, "{\"events\":[],\"events\":[]}"}) {
            var answer = handler.handleRequest(APIGatewayV2HTTPEvent.builder()
                    .withRawPath(IngestHandler.ROUTE)
                    .withHeaders(Map.of("authorization", "Bearer " + args[0], "content-type", "application/json"))
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("cold")
                            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath(IngestHandler.ROUTE).build())
                            .build())
                    .withBody(body)
                    .withIsBase64Encoded(false)
                    .build(), null);
            System.out.println("ANSWER " + answer.getStatusCode() + " " + answer.getBody().contains("\"duplicate\":true"));
        }
        handler.close();
        System.exit(0);
    }
}
