package io.nuscape.core.control;

/** An account's retention per granularity and ingest rate limit; a null rate limit means the platform default. */
public record Policy(int retentionDays1m, int retentionDays5m, int retentionDays60m, Long rateLimitEventsPerMinute) {
    public static final Policy DEFAULTS = new Policy(14, 90, 400, null);

    /** The retention of one granularity. */
    public int retentionDays(io.nuscape.core.rollup.Granularity g) {
        return switch (g) {
            case MINUTE -> retentionDays1m;
            case FIVE_MINUTES -> retentionDays5m;
            case HOUR -> retentionDays60m;
        };
    }
}
