package io.nuscape.ingest;

import static io.nuscape.ingest.IngestFixture.batch;
import static io.nuscape.ingest.IngestFixture.events;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.core.auth.Scope;
import io.nuscape.redis.RedisConnector;
import io.nuscape.testkit.EmbeddedRedis;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What Redis answers during a failover is a state of the server, not a fault of the request: a primary
 * demoted to replica answers READONLY, a server hogged by a script answers BUSY. Ingest must answer 503
 * with Retry-After (the client retries later), never 500, and queue nothing; then recover by itself.
 */
class RedisFailoverTest {
    static EmbeddedRedis primary;
    static EmbeddedRedis other;
    static IngestFixture f;
    static RedisConnector admin;

    @BeforeAll
    static void start() {
        primary = EmbeddedRedis.start();
        other = EmbeddedRedis.start();
        f = new IngestFixture("failover", primary.url(), Map.of("NUSCAPE_REDIS_TIMEOUT_MS", "1000", "NUSCAPE_RETRY_AFTER_SECONDS", "2"));
        admin = new RedisConnector(primary.url(), false, Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        admin.close();
        f.close();
        other.close();
        primary.close();
    }

    @Test
    void aPrimaryDemotedToReplicaAnswers503UntilItIsPrimaryAgain() {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode());
        admin.commands().replicaof("127.0.0.1", other.port());
        try {
            APIGatewayV2HTTPResponse r = f.post(token, batch(UUID.randomUUID(), events(1)));
            IngestContractTestSupport.assertError(r, 503, "unavailable", "");
            assertEquals("2", r.getHeaders().get("Retry-After"));
        } finally {
            admin.commands().replicaofNoOne();
        }
        // Primary again (with the other server's dataset: a demoted primary loses what it had, which is why
        // production runs on MemoryDB); ingest recovers without a restart.
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode());
    }

    @Test
    void aServerBusyWithAScriptAnswers503() throws Exception {
        String token = f.token(UUID.randomUUID(), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
        admin.commands().configSet("lua-time-limit", "50");
        try (RedisConnector hog = new RedisConnector(primary.url(), false, Duration.ofSeconds(30))) {
            Thread busy = Thread.ofPlatform().start(() -> {
                try {
                    hog.commands().eval("while true do end", io.lettuce.core.ScriptOutputType.STATUS, new String[0]);
                } catch (RuntimeException killed) {
                    // SCRIPT KILL ends it.
                }
            });
            Thread.sleep(300);
            try (RedisConnector killer = new RedisConnector(primary.url(), false, Duration.ofSeconds(5))) {
                try {
                    APIGatewayV2HTTPResponse r = f.post(token, batch(UUID.randomUUID(), events(1)));
                    IngestContractTestSupport.assertError(r, 503, "unavailable", "");
                } finally {
                    killer.commands().scriptKill();
                }
            }
            busy.join(5000);
        }
        assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(1))).getStatusCode());
    }
}
