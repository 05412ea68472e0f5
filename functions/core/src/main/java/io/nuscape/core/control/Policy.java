package io.nuscape.core.control;

/**
 * An account's retention per granularity, ingest rate limit (null: the platform default) and monthly event
 * quota (null: none) with its mode.
 */
public record Policy(int retentionDays1m, int retentionDays5m, int retentionDays60m, Long rateLimitEventsPerMinute,
                     Long monthlyEventQuota, QuotaMode quotaMode) {
    public static final Policy DEFAULTS = new Policy(14, 90, 400, null, null, QuotaMode.SOFT);

    public Policy {
        if (quotaMode == null) {
            quotaMode = QuotaMode.SOFT;
        }
    }

    /** Without a quota. */
    public Policy(int retentionDays1m, int retentionDays5m, int retentionDays60m, Long rateLimitEventsPerMinute) {
        this(retentionDays1m, retentionDays5m, retentionDays60m, rateLimitEventsPerMinute, null, QuotaMode.SOFT);
    }

    /** The retention of one granularity. */
    public int retentionDays(io.nuscape.core.rollup.Granularity g) {
        return switch (g) {
            case MINUTE -> retentionDays1m;
            case FIVE_MINUTES -> retentionDays5m;
            case HOUR -> retentionDays60m;
        };
    }
}
