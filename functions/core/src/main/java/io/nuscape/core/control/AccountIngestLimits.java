package io.nuscape.core.control;

import java.util.UUID;

/**
 * What ingest enforces for an account, as its policy sets it: the rate limit ({@code null} events per
 * minute: the platform default) and the monthly event quota ({@code null}: none) with its mode.
 */
public record AccountIngestLimits(UUID accountId, Long eventsPerMinute, Long monthlyEventQuota, QuotaMode quotaMode) {
    public AccountIngestLimits {
        if (quotaMode == null) {
            quotaMode = QuotaMode.SOFT;
        }
    }

    /** The limits a policy sets for the account. */
    public static AccountIngestLimits of(UUID accountId, Policy p) {
        return new AccountIngestLimits(accountId, p.rateLimitEventsPerMinute(), p.monthlyEventQuota(), p.quotaMode());
    }
}
