package io.nuscape.core.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again: exponential backoff with full jitter (a uniform wait between 0 and
 * {@code base * 2^(attempts-1)}, capped), so that receivers coming back after an outage are not hit by every
 * delivery at once; none once the delivery is older than the give-up age (24 h by default).
 */
public record RetrySchedule(Duration base, Duration cap, Duration giveUpAfter) {
    public static final RetrySchedule DEFAULT = new RetrySchedule(Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofHours(24));

    /** The next attempt after {@code attempts} failed ones of a delivery made at {@code createdAt}; empty: give up. */
    public Optional<Instant> next(int attempts, Instant createdAt, Instant now, RandomGenerator random) {
        Instant deadline = createdAt.plus(giveUpAfter);
        if (!now.isBefore(deadline)) {
            return Optional.empty();
        }
        long ceiling = cap.toMillis();
        if (attempts - 1 < 40) {
            ceiling = Math.min(ceiling, base.toMillis() << Math.max(0, attempts - 1));
        }
        long wait = 1_000 + random.nextLong(Math.max(1, ceiling)); // at least a second: never a hot loop
        Instant next = now.plusMillis(wait);
        return Optional.of(next.isAfter(deadline) ? deadline : next); // one last try at the deadline
    }
}
