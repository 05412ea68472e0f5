package io.nuscape.core.rollup;

import java.util.UUID;

/**
 * One row's increment: add {@code events} and {@code durationMs} to the bucket keyed by
 * {@code (accountId, deviceId, bucketStartMillis, kind, key)}. Ordered as the table's primary key
 * (account, bucket, kind, key, device): the order every writer locks rows in, so that concurrent drainers
 * never deadlock.
 */
public record RollupRow(UUID accountId, UUID deviceId, long bucketStartMillis, String kind, String key, long events, long durationMs)
        implements Comparable<RollupRow> {

    @Override
    public int compareTo(RollupRow o) {
        int c = accountId.compareTo(o.accountId);
        if (c == 0) {
            c = Long.compare(bucketStartMillis, o.bucketStartMillis);
        }
        if (c == 0) {
            c = kind.compareTo(o.kind);
        }
        if (c == 0) {
            c = key.compareTo(o.key);
        }
        return c == 0 ? deviceId.compareTo(o.deviceId) : c;
    }
}
