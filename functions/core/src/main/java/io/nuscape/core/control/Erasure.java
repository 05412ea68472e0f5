package io.nuscape.core.control;

import java.time.Instant;
import java.util.UUID;

/** A device erasure request: pending until the erasure job has removed every trace, then done. */
public record Erasure(UUID erasureId, UUID accountId, UUID deviceId, String status, Instant requestedAt, Instant completedAt) {
}
