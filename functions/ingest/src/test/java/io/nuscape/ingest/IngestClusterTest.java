package io.nuscape.ingest;

import static io.nuscape.ingest.IngestFixture.batch;
import static io.nuscape.ingest.IngestFixture.events;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.core.auth.Scope;
import io.nuscape.testkit.TestRedisCluster;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ingest handler on a real Redis Cluster (3 masters, a replica each) with NUSCAPE_REDIS_WAIT_REPLICAS:
 * accepted on every shard's master with one replica's acknowledgement, 503 when the replicas asked for do
 * not exist, and the script-then-WAIT pair sent on a node connection through a slot migration: ASK (the
 * keys already left) answers 503 without writing, MOVED (the slot map changed) is followed.
 */
class IngestClusterTest {
    static final int SHARDS = 4;
    static TestRedisCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static IngestFixture fixture(String name, int waitReplicas) {
        return new IngestFixture(name, cluster.url(), Map.of(
                "NUSCAPE_REDIS_CLUSTER", "true",
                "NUSCAPE_STREAM_SHARDS", Integer.toString(SHARDS),
                "NUSCAPE_REDIS_WAIT_REPLICAS", Integer.toString(waitReplicas),
                "NUSCAPE_REDIS_TIMEOUT_MS", "1000",
                "NUSCAPE_RETRY_AFTER_SECONDS", "1"));
    }

    /** An account whose shard is {@code shard}. */
    static UUID accountOf(IngestFixture f, int shard) {
        while (true) {
            UUID a = UUID.randomUUID();
            if (f.keys.shardOf(a) == shard) {
                return a;
            }
        }
    }

    @Test
    void everyShardAcceptsWithAReplicaAcknowledgementAndARetryIsADuplicate() {
        try (IngestFixture f = fixture("clusteringest", 1)) {
            for (int s = 0; s < SHARDS; s++) {
                String token = f.token(accountOf(f, s), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
                String body = batch(UUID.randomUUID(), events(3));
                APIGatewayV2HTTPResponse first = f.post(token, body);
                assertEquals(202, first.getStatusCode(), first.getBody());
                assertFalse(IngestFixture.json(first).get("duplicate").asBoolean());
                APIGatewayV2HTTPResponse again = f.post(token, body);
                assertEquals(202, again.getStatusCode(), again.getBody());
                assertTrue(IngestFixture.json(again).get("duplicate").asBoolean());
            }
        }
    }

    @Test
    void moreReplicasThanTheMasterHasAnswers503AndSoDoesTheRetry() {
        try (IngestFixture f = fixture("clusterwait2", 2)) {
            String token = f.token(accountOf(f, 1), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            String body = batch(UUID.randomUUID(), events(2));
            for (int attempt = 0; attempt < 2; attempt++) {
                // The second time the script finds the batch already kept ("duplicate"): that answer is held
                // to the same rule, since the first one was a 503.
                APIGatewayV2HTTPResponse r = f.post(token, body);
                IngestContractTestSupport.assertError(r, 503, "unavailable", "");
                assertEquals("1", r.getHeaders().get("Retry-After"));
            }
        }
    }

    @Test
    void aSlotMidMigrationAnswers503WithoutWritingAndTheNewOwnerIsFollowed() {
        try (IngestFixture f = fixture("clustermove", 1)) {
            int shard = 2;
            String token = f.token(accountOf(f, shard), UUID.randomUUID(), Set.of(Scope.INGEST), 0);
            assertEquals(202, f.post(token, batch(UUID.randomUUID(), events(2))).getStatusCode());

            TestRedisCluster.SlotMigration move = cluster.startMigration(cluster.slotOf(f.keys.stream(shard)));
            while (move.moveKeys(100) > 0) {
                // every key of the shard leaves the source; the slot stays MIGRATING
            }
            String body = batch(UUID.randomUUID(), events(2));
            APIGatewayV2HTTPResponse asked = f.post(token, body);
            IngestContractTestSupport.assertError(asked, 503, "unavailable", "");
            assertEquals("1", asked.getHeaders().get("Retry-After"));

            move.finish();
            // The client still sends to the old owner, which answers MOVED; the pair is sent again to the new one.
            APIGatewayV2HTTPResponse moved = f.post(token, body);
            assertEquals(202, moved.getStatusCode(), moved.getBody());
            assertFalse(IngestFixture.json(moved).get("duplicate").asBoolean(), "the ASKed attempt wrote nothing");
        }
    }
}
