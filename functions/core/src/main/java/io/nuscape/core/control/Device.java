package io.nuscape.core.control;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A device of an account. {@code tokenGeneration} is the lowest {@code gen} claim still accepted;
 * {@code revokedAt} is set when an erasure is requested, {@code erasedAt} when it is done.
 */
public record Device(UUID deviceId, UUID accountId, String name, String platform, Instant enrolledAt, Instant lastSeenAt,
                     long tokenGeneration, Instant revokedAt, Instant erasedAt, UUID profileId) {

    /** CONTRACT.md's status: erased once revoked, else by last contact (5 minutes, 24 hours). */
    public String status(Instant now) {
        if (revokedAt != null || erasedAt != null) {
            return "erased";
        }
        if (lastSeenAt == null) {
            return "offline";
        }
        Duration since = Duration.between(lastSeenAt, now);
        return since.compareTo(Duration.ofMinutes(5)) <= 0 ? "online" : since.compareTo(Duration.ofHours(24)) <= 0 ? "idle" : "offline";
    }
}
