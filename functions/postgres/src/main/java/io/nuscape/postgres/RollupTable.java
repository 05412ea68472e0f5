package io.nuscape.postgres;

import io.nuscape.core.rollup.Granularity;
import java.util.List;

/**
 * A table retention expires by bucket and by partition: the three rollup tables, and usage_presence, which
 * is kept as long as the 60m rollups, to the day (its partitions are months, its buckets UTC days).
 */
public record RollupTable(String name, long bucketMillis, boolean dailyPartitions, Granularity retainedAs) {
    public static final RollupTable PRESENCE = new RollupTable("usage_presence", 86_400_000L, false, Granularity.HOUR);

    /** Every table retention looks after, in the order it does. */
    public static final List<RollupTable> ALL = List.of(of(Granularity.MINUTE), of(Granularity.FIVE_MINUTES), of(Granularity.HOUR), PRESENCE);

    public static RollupTable of(Granularity g) {
        return new RollupTable(g.table(), g.millis(), g == Granularity.MINUTE, g);
    }
}
