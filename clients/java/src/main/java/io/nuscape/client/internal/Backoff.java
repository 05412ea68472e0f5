package io.nuscape.client.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: after the n-th failure in a row, a uniform wait between 0 and
 * {@code min(cap, base × 2ⁿ⁻¹)}, so that devices the same outage hit spread their retries instead of coming
 * back together. A server's {@code Retry-After} is a floor (up to a cap, so that a wrong header cannot park a
 * device for days). Waits are durations measured with {@link System#nanoTime()}: a wall-clock jump neither
 * shortens nor stretches them.
 */
public final class Backoff {
    private final long baseNanos;
    private final long capNanos;
    private final long maxRetryAfterNanos;
    private final DoubleSupplier random;
    private int failures;

    public Backoff(Duration base, Duration cap, Duration maxRetryAfter) {
        this(base, cap, maxRetryAfter, () -> ThreadLocalRandom.current().nextDouble());
    }

    Backoff(Duration base, Duration cap, Duration maxRetryAfter, DoubleSupplier random) {
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
        this.maxRetryAfterNanos = maxRetryAfter.toNanos();
        this.random = random;
    }

    /** Records a failure and answers how long to wait before the next attempt; {@code retryAfter} may be null. */
    public Duration nextDelay(Duration retryAfter) {
        failures = Math.min(failures + 1, 62);
        long ceiling = capNanos;
        int shift = failures - 1;
        if (shift < 62 && baseNanos <= capNanos >> shift) {
            ceiling = Math.min(capNanos, baseNanos << shift);
        }
        long wait = (long) (random.getAsDouble() * ceiling);
        if (retryAfter != null && !retryAfter.isNegative()) {
            wait = Math.max(wait, Math.min(retryAfter.toNanos(), maxRetryAfterNanos));
        }
        return Duration.ofNanos(wait);
    }

    /** Failures in a row so far. */
    public int failures() {
        return failures;
    }

    public void reset() {
        failures = 0;
    }
}
