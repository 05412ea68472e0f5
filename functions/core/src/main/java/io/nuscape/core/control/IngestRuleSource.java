package io.nuscape.core.control;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The control plane's side of what ingest enforces from its Redis copy (revocations, token generations,
 * rate limits, quotas), read back so that the copy can be rebuilt when it was lost or missed a write. The
 * Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface IngestRuleSource {
    /** The database's clock: changes are stamped with it, so watermarks must come from it too. */
    Instant now() throws Exception;

    /** Devices with anything to enforce (revoked, or a token rotated away) and an id above {@code after}, in id order. */
    List<DeviceRevocation> revocations(UUID after, int limit) throws Exception;

    /** Devices revoked, erased or with a token rotated away at or after {@code since}. */
    List<DeviceRevocation> revocationsChangedSince(Instant since) throws Exception;

    /** Account rate limits and quotas whose policy changed at or after {@code since} ({@link Instant#EPOCH}: all of them). */
    List<AccountIngestLimits> ingestLimitsChangedSince(Instant since) throws Exception;
}
