package io.nuscape.core.people;

import io.nuscape.core.audit.Change;
import java.time.Instant;
import java.util.UUID;

/**
 * Sessions and their chains of refresh tokens, stored only as hashes. A token is good once: refreshing
 * marks it used and stores its successor in the same transaction; a used token presented again revokes
 * the whole session. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface SessionStore {
    /** The outcome of presenting a refresh token. */
    sealed interface Refresh {
        /** Rotated: the successor is stored; the user as it is now (role changes apply from here). */
        record Rotated(User user, UUID sessionId, Instant sessionExpiresAt) implements Refresh {
        }

        /** Refused: unknown, expired, revoked or (reason {@code reused}) presented a second time. */
        record Refused(String reason) implements Refresh {
        }
    }

    /** Opens a session for the user with its first refresh token and audits the sign-in. */
    void open(User user, UUID sessionId, byte[] refreshHash, Instant expiresAt, Change change) throws Exception;

    Refresh refresh(byte[] presentedHash, byte[] nextHash, Instant now) throws Exception;

    /** Ends the session of the token (used or not); false when the token is unknown. */
    boolean close(byte[] presentedHash, Instant now) throws Exception;
}
