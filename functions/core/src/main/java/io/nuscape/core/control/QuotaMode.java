package io.nuscape.core.control;

import java.util.Locale;
import java.util.Optional;

/**
 * What a monthly event quota does when reached: {@code SOFT} only alerts (at 80 % and 100 %); {@code HARD}
 * alerts too and ingest refuses batches (429 {@code quota_exceeded}) until the UTC month ends.
 */
public enum QuotaMode {
    SOFT, HARD;

    /** The name the API and the database use. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<QuotaMode> parse(String s) {
        for (QuotaMode m : values()) {
            if (m.text().equals(s)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
