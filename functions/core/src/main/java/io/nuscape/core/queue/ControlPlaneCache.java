package io.nuscape.core.queue;

import java.util.UUID;

/**
 * The part of the control plane that ingest must see without touching Postgres: revoked devices, the
 * lowest token generation still valid per device, and per-account rate limits. The control plane writes
 * here whenever it changes them in Postgres.
 */
public interface ControlPlaneCache {
    /** Tokens of the device with a lower {@code gen} claim are refused from now on. */
    void setMinimumTokenGeneration(UUID accountId, UUID deviceId, long generation);

    /** Every token of the device is refused from now on, and its queued events are dropped. */
    void markErased(UUID accountId, UUID deviceId);

    /** The account's ingest limit in events per minute; a negative value restores the default. */
    void setRateLimit(UUID accountId, long eventsPerMinute);
}
