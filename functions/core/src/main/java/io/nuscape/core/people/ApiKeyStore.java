package io.nuscape.core.people;

import io.nuscape.core.audit.Change;
import io.nuscape.core.auth.Scope;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** API keys of the accounts, stored by hash. The Postgres adapter lives in {@code nuscape-postgres}. */
public interface ApiKeyStore {
    ApiKey create(UUID accountId, String name, Set<Scope> scopes, Instant expiresAt, byte[] keyHash, String prefix, Change change)
            throws Exception;

    List<ApiKey> keys(UUID accountId) throws Exception;

    /** Revokes the key at once; false when unknown (or of another account). Revoking twice is fine. */
    boolean revoke(UUID accountId, UUID apiKeyId, Change change) throws Exception;

    /** The key with this hash, revoked or not. */
    Optional<ApiKey> find(byte[] keyHash) throws Exception;

    /** Records a use unless one was recorded in the minute before {@code at}. */
    void touch(UUID apiKeyId, Instant at) throws Exception;
}
