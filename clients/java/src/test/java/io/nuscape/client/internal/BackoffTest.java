package io.nuscape.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void theCeilingDoublesPerFailureUpToTheCap() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofHours(1), () -> 0.999999);
        long[] expectedCeilings = {1, 2, 4, 8, 16, 32, 60, 60, 60};
        for (long ceiling : expectedCeilings) {
            Duration d = b.nextDelay(null);
            assertTrue(d.toMillis() <= ceiling * 1000 && d.toMillis() >= ceiling * 1000 - 1, d + " under " + ceiling + " s");
        }
        for (int i = 0; i < 200; i++) {
            assertEquals(60_000, b.nextDelay(null).toMillis(), 1, "no overflow after many failures");
        }
        b.reset();
        assertEquals(0, b.failures());
        assertTrue(b.nextDelay(null).toMillis() <= 1000);
    }

    @Test
    void fullJitterSpreadsWaitsOverTheWholeRange() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofHours(1));
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long ms = b.nextDelay(null).toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertTrue(min < 50, "waits near 0 occur: " + min);
        assertTrue(max > 950, "waits near the ceiling occur: " + max);
    }

    @Test
    void retryAfterIsAFloorUpToItsCap() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(10), () -> 0.0);
        assertEquals(Duration.ofSeconds(30), b.nextDelay(Duration.ofSeconds(30)));
        assertEquals(Duration.ofMinutes(10), b.nextDelay(Duration.ofDays(30)), "a month's Retry-After waits 10 minutes");
        Backoff high = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(10), () -> 0.5);
        high.nextDelay(null);
        high.nextDelay(null);
        assertEquals(Duration.ofSeconds(2), high.nextDelay(Duration.ofSeconds(1)), "a shorter Retry-After does not cut the backoff");
    }
}
