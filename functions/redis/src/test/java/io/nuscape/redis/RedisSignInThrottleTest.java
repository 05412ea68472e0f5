package io.nuscape.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.testkit.TestRedis;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Failed sign-ins per email and per address, on a real redis-server. */
class RedisSignInThrottleTest {
    RedisConnector redis;
    String prefix;
    RedisSignInThrottle throttle;

    @BeforeEach
    void start() {
        redis = new RedisConnector(TestRedis.url(), false, Duration.ofSeconds(2));
        prefix = TestRedis.uniquePrefix("signin");
        throttle = new RedisSignInThrottle(redis, prefix, new RedisSignInThrottle.Limits(3, 5, Duration.ofMinutes(15)));
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    @Test
    void anEmailWaitsAfterItsLimitOfFailuresWhateverItsCaseAndOthersDoNot() {
        for (int i = 0; i < 2; i++) {
            throttle.failed("Ada@Example.com", "10.0.0." + i);
        }
        assertEquals(Optional.empty(), throttle.blocked("ada@example.com", "10.0.0.9"), "below the limit");
        throttle.failed(" ada@example.COM ", "10.0.0.3");
        Duration wait = throttle.blocked("ada@example.com", "10.0.0.9").orElseThrow();
        assertTrue(wait.compareTo(Duration.ZERO) > 0 && wait.compareTo(Duration.ofMinutes(15)) <= 0, wait.toString());
        assertEquals(Optional.empty(), throttle.blocked("grace@example.com", "10.0.0.9"), "another email goes on");
    }

    @Test
    void anAddressWaitsAfterItsLimitAcrossEmails() {
        for (int i = 0; i < 5; i++) {
            throttle.failed("user" + i + "@example.com", "192.0.2.7");
        }
        assertTrue(throttle.blocked("someone-new@example.com", "192.0.2.7").isPresent(), "guessing across accounts from one address");
        assertFalse(throttle.blocked("someone-new@example.com", "192.0.2.8").isPresent());
    }

    @Test
    void aSuccessForgetsTheEmailsFailuresAndRedisHoldsNoEmail() {
        throttle.failed("ada@example.com", "10.0.0.1");
        throttle.failed("ada@example.com", "10.0.0.1");
        throttle.succeeded("ada@example.com");
        throttle.failed("ada@example.com", "10.0.0.1");
        throttle.failed("ada@example.com", "10.0.0.1");
        assertFalse(throttle.blocked("ada@example.com", "10.0.0.2").isPresent(), "counted afresh after the success");
        for (String key : redis.commands().keys(prefix + ":*")) {
            assertFalse(key.contains("ada") || key.contains("example"), key);
            assertTrue(redis.commands().pttl(key) > 0, "every counter expires: " + key);
        }
    }

    @Test
    void redisUnreachableIsUnavailableNotAnError() {
        try (RedisConnector gone = new RedisConnector("redis://127.0.0.1:" + io.nuscape.testkit.FreePort.pick(), false, Duration.ofMillis(300))) {
            RedisSignInThrottle t = new RedisSignInThrottle(gone, prefix, RedisSignInThrottle.Limits.DEFAULT);
            org.junit.jupiter.api.Assertions.assertThrows(io.nuscape.core.queue.QueueUnavailableException.class,
                    () -> t.blocked("ada@example.com", "10.0.0.1"), "a 503 for the caller, never a sign-in let through unchecked");
            org.junit.jupiter.api.Assertions.assertThrows(io.nuscape.core.queue.QueueUnavailableException.class,
                    () -> t.failed("ada@example.com", "10.0.0.1"));
        }
    }
}
