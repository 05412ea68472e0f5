package io.nuscape.core.people;

import io.nuscape.core.audit.Change;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Users and invitations of the accounts, each change audited in its own transaction. Ids of another
 * account are as unknown as ids that do not exist. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface UserStore {
    /** A user and the password hash to check at sign-in; empty for unknown emails and pending invitations. */
    record Credentials(User user, String passwordHash) {
    }

    /** Why an invitation could not be accepted. */
    enum InvitationProblem { UNKNOWN, EXPIRED, USED }

    /** The user an accepted invitation activated, or why it was refused. */
    record Acceptance(Optional<User> user, Optional<InvitationProblem> problem) {
    }

    Optional<Credentials> credentials(String email) throws Exception;

    /**
     * Creates the user (no password yet) and its invitation, stored as the token's hash; a user of the same
     * account who never accepted gets a new invitation (and the role asked now). Throws a 409
     * {@code conflict} ApiException when another user has the email.
     */
    User invite(UUID accountId, String email, Role role, byte[] invitationHash, Instant expiresAt, Change change) throws Exception;

    /** Why the invitation cannot be accepted at {@code now}, before a password is hashed for it. */
    Optional<InvitationProblem> check(byte[] invitationHash, Instant now) throws Exception;

    /** True when a user (active or invited) has this email already. */
    boolean emailTaken(String email) throws Exception;

    /** Sets the user's first password if the invitation is known, unexpired at {@code now} and unused. */
    Acceptance accept(byte[] invitationHash, String passwordHash, Instant now) throws Exception;

    List<User> users(UUID accountId) throws Exception;

    Optional<User> user(UUID accountId, UUID userId) throws Exception;

    /** Changes the role; 409 when that would leave the account without an active admin. Empty when unknown. */
    Optional<User> changeRole(UUID accountId, UUID userId, Role role, Change change) throws Exception;

    /** Deletes the user and its sessions; 409 when it is the last active admin. False when unknown. */
    boolean delete(UUID accountId, UUID userId, Change change) throws Exception;

    /** Replaces a hash made with older parameters, if it is still the one stored. */
    void replacePasswordHash(UUID userId, String oldHash, String newHash) throws Exception;
}
