package io.nuscape.core.people;

import java.time.Instant;
import java.util.UUID;

/** A person of an account. {@code activatedAt} is null while the invitation is not accepted yet. */
public record User(UUID userId, UUID accountId, String email, Role role, Instant createdAt, Instant activatedAt) {
    public String status() {
        return activatedAt == null ? "invited" : "active";
    }

    /** How the audit log names this user. */
    public String actor() {
        return "user:" + userId;
    }
}
