package io.nuscape.core.limit;

import java.time.LocalDate;

/** Where a limit stands on one day of its zone: time used, time left, and {@code ok}, {@code warned} or {@code exceeded}. */
public record LimitStatus(LocalDate day, long usedMs, long remainingMs, String state) {
    /**
     * The state of {@code used} against the limit: exceeded at the limit (a limit of 0, "not at all", once
     * anything is used), warned from the earliest warning on.
     */
    static LimitStatus of(Limit limit, LocalDate day, long used) {
        long earliestWarning = limit.dailyMs() - limit.warnBeforeMs().stream().mapToLong(Long::longValue).max().orElse(0);
        String state = used > 0 && used >= limit.dailyMs() ? "exceeded"
                : !limit.warnBeforeMs().isEmpty() && used >= earliestWarning ? "warned" : "ok";
        return new LimitStatus(day, used, Math.max(0, limit.dailyMs() - used), state);
    }
}
