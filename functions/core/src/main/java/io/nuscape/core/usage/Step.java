package io.nuscape.core.usage;

import java.time.Duration;
import java.util.Optional;

/**
 * The widths a dashboard's buckets can have, as CONTRACT.md writes them: minutes and hours of fixed length
 * aligned to the zone's clock, and calendar days and ISO weeks (Monday first) of the zone, 23 or 25 hours
 * long across daylight-saving changes.
 */
public enum Step {
    MINUTE("1m", 60_000L),
    FIVE_MINUTES("5m", 300_000L),
    HOUR("60m", 3_600_000L),
    DAY("1d", 0),
    WEEK("1w", 0);

    private final String label;
    private final long fixedMillis;

    Step(String label, long fixedMillis) {
        this.label = label;
        this.fixedMillis = fixedMillis;
    }

    public String label() {
        return label;
    }

    /** The length of every bucket of a fixed step; 0 for days and weeks, whose length depends on the zone and date. */
    long fixedMillis() {
        return fixedMillis;
    }

    /** The step a dashboard takes when none is asked for (CONTRACT.md): up to 6 h minutes, up to 14 days 5 minutes, beyond hours. */
    public static Step forRange(Duration range) {
        if (range.compareTo(Duration.ofHours(6)) <= 0) {
            return MINUTE;
        }
        return range.compareTo(Duration.ofDays(14)) <= 0 ? FIVE_MINUTES : HOUR;
    }

    /** The step a parameter names ({@code 1h} is read as {@code 60m}). */
    public static Optional<Step> parse(String text) {
        for (Step s : values()) {
            if (s.label.equals(text)) {
                return Optional.of(s);
            }
        }
        return "1h".equals(text) ? Optional.of(HOUR) : Optional.empty();
    }
}
