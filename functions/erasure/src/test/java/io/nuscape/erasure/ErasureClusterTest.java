package io.nuscape.erasure;

import io.nuscape.testkit.TestRedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ErasureJobTest's tests on a real Redis Cluster (3 masters, a replica each) with the stream in 4 shards:
 * revocation, the sweep of the device's stream and dead-letter entries on its shard's master, and the
 * drain that drops late events, through cluster connections.
 */
class ErasureClusterTest extends ErasureJobTest {
    static TestRedisCluster redisCluster;

    @BeforeAll
    static void startCluster() {
        redisCluster = TestRedisCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        redisCluster.close();
    }

    @Override
    String redisUrl() {
        return redisCluster.url();
    }

    @Override
    boolean cluster() {
        return true;
    }

    @Override
    int shards() {
        return 4;
    }
}
