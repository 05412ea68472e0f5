package io.nuscape.drainer;

import io.nuscape.core.Settings;
import java.time.Duration;

/**
 * How a drainer reads: entries per read, how long a read blocks, when a pending entry counts as stale
 * and may be reclaimed, and after how many deliveries an entry is given up to the dead-letter stream.
 */
public record DrainOptions(int batchEntries, Duration block, Duration claimIdle, int maxDeliveries) {
    public static DrainOptions from(Settings s) {
        return new DrainOptions(s.drainBatchEntries(), Duration.ofMillis(s.drainBlockMs()),
                Duration.ofMillis(s.drainClaimIdleMs()), s.drainMaxDeliveries());
    }
}
