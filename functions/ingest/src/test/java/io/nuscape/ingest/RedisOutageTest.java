package io.nuscape.ingest;

import static io.nuscape.ingest.IngestFixture.batch;
import static io.nuscape.ingest.IngestFixture.events;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.core.auth.Scope;
import io.nuscape.testkit.EmbeddedRedis;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis going away, on a Redis of this class's own that it stops and starts: 503 fast while it is down,
 * and SnapStart's beforeCheckpoint / afterRestore around a restart leaves the next request working.
 */
class RedisOutageTest {
    static EmbeddedRedis server;
    static IngestFixture f;

    @BeforeAll
    static void start() {
        server = EmbeddedRedis.start();
        f = new IngestFixture("outage", server.url(), Map.of("NUSCAPE_REDIS_TIMEOUT_MS", "1000", "NUSCAPE_RETRY_AFTER_SECONDS", "3"));
    }

    @AfterAll
    static void stop() {
        f.close();
        server.close();
    }

    @Test
    void snapStartHooksAroundARedisRestartLeaveTheNextRequestWorking() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(3))).getStatusCode());
        int before = f.streamEntries().size();

        f.handler.beforeCheckpoint(null);
        assertEquals(before, f.streamEntries().size(), "priming writes nothing");
        server.stopServer();
        server.startServer();
        f.handler.afterRestore(null);

        APIGatewayV2HTTPResponse r = f.post(token, batch(UUID.randomUUID(), events(3)));
        assertEquals(202, r.getStatusCode(), r.getBody());
        // The restarted server lost its script cache: EVALSHA's NOSCRIPT fallback must have worked.
        assertEquals(1, f.streamEntries().size());
    }

    /**
     * The cold-start background connect may still be running when SnapStart calls beforeCheckpoint; if it
     * opened its socket after the hook closed the connection, the snapshot would hold a live connection
     * that every restored environment shares.
     */
    @Test
    void aConnectThatLandsAfterBeforeCheckpointLeavesNoLiveConnectionInTheSnapshot() throws Exception {
        try (var probe = new io.nuscape.redis.RedisConnector(server.url(), false, java.time.Duration.ofSeconds(2))) {
            f.handler.beforeCheckpoint(null);
            int clients = clients(probe);
            Thread late = Thread.ofPlatform().start(f.handler.function().redis()::reconnectQuietly); // the background connect, late
            late.join();
            f.handler.function().connectInBackground();
            Thread.sleep(300);
            assertEquals(clients, clients(probe), "no connection opened between checkpoint and restore");
            f.handler.afterRestore(null);
            assertEquals(clients + 1, clients(probe), "afterRestore connects again");
            String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode());
        }
    }

    private static int clients(io.nuscape.redis.RedisConnector probe) {
        return probe.commands().clientList().strip().split("\n").length;
    }

    @Test
    void whileRedisIsDownIngestAnswers503QuicklyAndRecoversAfter() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode());
        server.stopServer();
        try {
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                APIGatewayV2HTTPResponse r = f.post(token, batch(UUID.randomUUID(), events(1)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                IngestContractTestSupport.assertError(r, 503, "unavailable", "unreachable");
                assertEquals("3", r.getHeaders().get("Retry-After"));
                assertTrue(ms < 5000, "503 must come long before API Gateway's 30 s; took " + ms + " ms");
            }
        } finally {
            server.startServer();
        }
        long deadline = System.currentTimeMillis() + 15_000;
        int status;
        do {
            status = f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode();
        } while (status != 202 && System.currentTimeMillis() < deadline && sleep());
        assertEquals(202, status, "ingest recovers by itself once Redis is back");
    }

    private static boolean sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
