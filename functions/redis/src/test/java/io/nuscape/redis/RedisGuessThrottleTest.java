package io.nuscape.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.queue.QueueUnavailableException;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guesses reserved per email and per address, on a real redis-server. */
class RedisGuessThrottleTest {
    RedisConnector redis;
    String prefix;
    RedisGuessThrottle throttle;

    @BeforeEach
    void start() {
        redis = new RedisConnector(TestRedis.url(), false, Duration.ofSeconds(2));
        prefix = TestRedis.uniquePrefix("guess");
        throttle = new RedisGuessThrottle(redis, prefix, "signin", new RedisGuessThrottle.Limits(3, 5, Duration.ofMinutes(15)));
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    @Test
    void anEmailWaitsAfterItsLimitOfAttemptsWhateverItsCaseAndOthersDoNot() {
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), throttle.reserve(i == 1 ? " Ada@Example.COM " : "ada@example.com", "10.0.0." + i));
        }
        Duration wait = throttle.reserve("ada@example.com", "10.0.0.9").orElseThrow();
        assertTrue(wait.compareTo(Duration.ZERO) > 0 && wait.compareTo(Duration.ofMinutes(15)) <= 0, wait.toString());
        assertEquals(Optional.empty(), throttle.reserve("grace@example.com", "10.0.0.9"), "another email goes on, and 10.0.0.9 was not charged");
    }

    @Test
    void anAddressWaitsAfterItsLimitAcrossEmails() {
        for (int i = 0; i < 5; i++) {
            assertFalse(throttle.reserve("user" + i + "@example.com", "192.0.2.7").isPresent());
        }
        assertTrue(throttle.reserve("someone-new@example.com", "192.0.2.7").isPresent(), "guessing across accounts from one address");
        assertFalse(throttle.reserve("someone-new@example.com", "192.0.2.8").isPresent());
    }

    /** Attempts sent at once are counted as they come: exactly the limit get through, however many race. */
    @Test
    void parallelAttemptsCannotAllPassBeforeAnyIsCounted() throws Exception {
        int racers = 40;
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                String address = "198.51.100." + i;
                answers.add(pool.submit(() -> {
                    go.await();
                    return throttle.reserve("target@example.com", address).isEmpty();
                }));
            }
            go.countDown();
            int through = 0;
            for (Future<Boolean> f : answers) {
                through += f.get() ? 1 : 0;
            }
            assertEquals(3, through);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSuccessGivesItsReservationsBackAndRedisHoldsNoEmail() {
        for (int i = 0; i < 3; i++) {
            assertFalse(throttle.reserve("ada@example.com", "10.0.0.1").isPresent());
            throttle.succeeded("ada@example.com", "10.0.0.1");
        }
        for (int i = 0; i < 3; i++) {
            assertFalse(throttle.reserve("ada@example.com", "10.0.0.1").isPresent(), "successes are no guesses");
        }
        for (String key : redis.commands().keys(prefix + ":*")) {
            assertFalse(key.contains("ada") || key.contains("example"), key);
            assertTrue(redis.commands().pttl(key) > 0, "every counter expires: " + key);
        }
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64AndEachKindOfGuessByItself() {
        for (int i = 1; i <= 5; i++) {
            assertFalse(throttle.reserve(null, "2001:db8:1:2::" + Integer.toHexString(i)).isPresent());
        }
        assertTrue(throttle.reserve(null, "2001:db8:1:2:ffff::9").isPresent(), "another address of the same /64");
        assertFalse(throttle.reserve(null, "2001:db8:1:3::1").isPresent(), "the next /64 is someone else");
        RedisGuessThrottle codes = new RedisGuessThrottle(redis, prefix, "enroll", new RedisGuessThrottle.Limits(1, 5, Duration.ofMinutes(15)));
        assertFalse(codes.reserve(null, "2001:db8:1:2::1").isPresent(), "code guesses are counted apart from sign-ins");
        assertEquals("2001:0db8:0001:0002::/64".replace(":", ""), RedisGuessThrottle.network("2001:db8:1:2::7").replace(":", ""));
        assertEquals("203.0.113.9", RedisGuessThrottle.network("203.0.113.9"));
    }

    @Test
    void redisUnreachableIsUnavailableNotAnAttemptLetThrough() {
        try (RedisConnector gone = new RedisConnector("redis://127.0.0.1:" + FreePort.pick(), false, Duration.ofMillis(300))) {
            RedisGuessThrottle t = new RedisGuessThrottle(gone, prefix, "signin", RedisGuessThrottle.Limits.DEFAULT);
            assertThrows(QueueUnavailableException.class, () -> t.reserve("ada@example.com", "10.0.0.1"), "a 503 for the caller");
        }
    }
}
