package io.nuscape.core.control;

import io.nuscape.core.rollup.Granularity;

/**
 * The platform's longest retention per granularity. An account's policy may not go beyond it: retention
 * drops whole partitions only past the longest retention any account keeps, and expires the rest row by
 * row, so one account's long retention would turn everybody's cheap drops into row-by-row deletes.
 */
public record RetentionLimits(int maxDays1m, int maxDays5m, int maxDays60m) {
    public static final RetentionLimits DEFAULTS = new RetentionLimits(35, 400, 1100);

    public RetentionLimits {
        if (maxDays1m < Policy.DEFAULTS.retentionDays1m() || maxDays5m < Policy.DEFAULTS.retentionDays5m()
                || maxDays60m < Policy.DEFAULTS.retentionDays60m()) {
            throw new IllegalArgumentException("platform retention maxima must allow the default policy " + Policy.DEFAULTS);
        }
    }

    public int maxDays(Granularity g) {
        return switch (g) {
            case MINUTE -> maxDays1m;
            case FIVE_MINUTES -> maxDays5m;
            case HOUR -> maxDays60m;
        };
    }

    /** The days an account keeps a granularity: its policy's, never beyond the platform's maximum. */
    public int effectiveDays(Granularity g, int policyDays) {
        return Math.min(policyDays, maxDays(g));
    }
}
