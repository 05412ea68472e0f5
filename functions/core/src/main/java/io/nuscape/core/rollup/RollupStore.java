package io.nuscape.core.rollup;

import java.util.List;

/**
 * The port the drainer writes through. {@link #apply} is one transaction: drop events of devices that are
 * not enrolled, revoked, erased or of another account, insert dedupe keys and keep only first-seen events,
 * upsert the three rollup tables, merge presence ({@link Presence}), move devices' last-seen time, mark the devices and days
 * for the limit alerts, count the events per account and month (metering), record quota alerts. The Postgres adapter lives in
 * {@code nuscape-postgres}.
 */
public interface RollupStore {
    /** Applies the events atomically; throws on any failure, leaving nothing applied. */
    default Applied apply(List<DrainEvent> events) throws Exception {
        return apply(events, List.of());
    }

    /**
     * Applies the events and records the alerts of the quota crossings their entries carry, atomically
     * (an alert already recorded is not recorded again).
     */
    Applied apply(List<DrainEvent> events, List<io.nuscape.core.limit.QuotaCrossing> quotaCrossings) throws Exception;

    /**
     * Whether the database answers a trivial query now. A failure of one entry counts against it only
     * when the database is healthy: otherwise the environment failed, not the entry.
     */
    boolean healthy();

    /** What one {@link #apply} did. */
    record Applied(int counted, int duplicates, int dropped) {
    }
}
