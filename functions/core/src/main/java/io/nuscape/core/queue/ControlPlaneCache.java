package io.nuscape.core.queue;

import io.nuscape.core.control.AccountIngestLimits;
import io.nuscape.core.control.DeviceRevocation;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The part of the control plane that ingest must see without touching Postgres: revoked devices, the
 * lowest token generation still valid per device, and per-account rate limits and quotas. The control plane writes
 * here whenever it changes them in Postgres; {@link IngestRuleReconciler} rewrites it from Postgres for
 * the writes that failed or were lost.
 */
public interface ControlPlaneCache {
    /** Tokens of the device with a lower {@code gen} claim are refused from now on. */
    void setMinimumTokenGeneration(UUID accountId, UUID deviceId, long generation);

    /** Every token of the device is refused from now on, and its queued events are dropped. */
    void markErased(UUID accountId, UUID deviceId);

    /**
     * The account's ingest limits as its policy now sets them: the rate limit (its bucket starts afresh) and the
     * monthly quota (the month's count is kept).
     */
    void setIngestLimits(AccountIngestLimits limits);

    /**
     * Writes the rules of the given devices and accounts that belong to {@code shard} (the others are
     * skipped): a minimum generation is only ever raised, a token bucket is left as it is.
     */
    void restore(int shard, List<DeviceRevocation> devices, List<AccountIngestLimits> accounts);

    /**
     * The events ingest accepted for the account in the UTC month (what its quota is held to): kept for the
     * current month and the 12 before it, 0 for a month without any.
     */
    long eventsAccepted(UUID accountId, java.time.YearMonth month);

    /** The shard's mark; empty when there is none or it was made under another shard layout. */
    Optional<ReconcileMark> reconcileMark(int shard);

    /**
     * Replaces the shard's mark with {@code next} only if it still is {@code expected} (empty: none, or one of
     * another layout); false when it changed since it was read (another run, or Redis lost it): the caller
     * must not go on from what it read.
     */
    boolean replaceReconcileMark(int shard, Optional<ReconcileMark> expected, ReconcileMark next);
}
