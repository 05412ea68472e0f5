package io.nuscape.core.control;

import java.util.UUID;

/**
 * What ingest must enforce for one device, as Postgres has it: tokens of a generation below
 * {@code minimumTokenGeneration} are refused, and every token is refused once the device is revoked
 * (an erasure revokes it first).
 */
public record DeviceRevocation(UUID accountId, UUID deviceId, long minimumTokenGeneration, boolean revoked) {
}
