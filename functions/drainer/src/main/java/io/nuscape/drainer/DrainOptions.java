package io.nuscape.drainer;

import io.nuscape.core.Settings;
import java.time.Duration;

/**
 * How a drainer reads: entries per read, how long a read blocks, when a pending entry counts as stale
 * and may be reclaimed, and after how many failures on its own (with the database healthy) an entry is
 * given up to the give-up stream. Deliveries are not failures: an outage redelivers without limit.
 * A transaction writes at most {@code maxRowsPerTransaction} rollup rows (by {@code Rollups.rowsOf}), so
 * its work and memory are bounded by rows written, not by entries read.
 */
public record DrainOptions(int batchEntries, Duration block, Duration claimIdle, int maxFailures, long maxRowsPerTransaction) {
    public static DrainOptions from(Settings s) {
        return new DrainOptions(s.drainBatchEntries(), Duration.ofMillis(s.drainBlockMs()),
                Duration.ofMillis(s.drainClaimIdleMs()), s.drainMaxFailures(), s.drainMaxRowsPerTransaction());
    }
}
