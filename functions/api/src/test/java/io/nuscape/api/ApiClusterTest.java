package io.nuscape.api;

import io.nuscape.testkit.TestRedisCluster;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ApiTest's tests on a real Redis Cluster (3 masters, a replica each) with the stream in 4 shards: the admin
 * routes that write the control-plane cache (token rotation, device erasure, policy rate limits) reach
 * ingest on the master of the account's shard, and ingest waits for one replica.
 */
class ApiClusterTest extends ApiTest {
    static TestRedisCluster cluster;

    /** Hides ApiTest's: JUnit runs only this one. */
    @BeforeAll
    static void start() throws Exception {
        cluster = TestRedisCluster.start();
        start(cluster.url(), Map.of("NUSCAPE_REDIS_CLUSTER", "true", "NUSCAPE_STREAM_SHARDS", "4",
                "NUSCAPE_REDIS_WAIT_REPLICAS", "1"));
    }

    @AfterAll
    static void stop() {
        ApiTest.stop();
        cluster.close();
    }
}
