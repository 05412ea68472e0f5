package io.nuscape.core.people;

import io.nuscape.core.auth.Scope;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/** An API key as stored: never the key itself, only its first characters ({@code prefix}) to tell keys apart. */
public record ApiKey(UUID apiKeyId, UUID accountId, String name, String prefix, Set<Scope> scopes, Instant createdAt,
                     Instant expiresAt, Instant lastUsedAt, Instant revokedAt) {
    public ApiKey {
        scopes = Set.copyOf(scopes);
    }

    public boolean usableAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }

    public String actor() {
        return "api_key:" + apiKeyId;
    }
}
