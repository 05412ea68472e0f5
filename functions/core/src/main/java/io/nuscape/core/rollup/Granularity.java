package io.nuscape.core.rollup;

/** The three rollup granularities and their tables. */
public enum Granularity {
    MINUTE("usage_1m", 60_000L, "1m"),
    FIVE_MINUTES("usage_5m", 300_000L, "5m"),
    HOUR("usage_60m", 3_600_000L, "60m");

    private final String table;
    private final long millis;
    private final String label;

    Granularity(String table, long millis, String label) {
        this.table = table;
        this.millis = millis;
        this.label = label;
    }

    public String table() {
        return table;
    }

    public long millis() {
        return millis;
    }

    /** As CONTRACT.md writes it: {@code 1m}, {@code 5m}, {@code 60m}. */
    public String label() {
        return label;
    }

    /** Start of the bucket holding the instant (epoch ms, UTC). */
    public long bucketOf(long epochMillis) {
        return Math.floorDiv(epochMillis, millis) * millis;
    }
}
