package io.nuscape.core.profile;

import io.nuscape.core.audit.Change;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The profiles of the accounts, each change audited in its own transaction; ids of another account are as
 * unknown as ids that do not exist. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface ProfileStore {
    Profile create(UUID accountId, String name, Change change) throws Exception;

    List<Profile> profiles(UUID accountId) throws Exception;

    Optional<Profile> profile(UUID accountId, UUID profileId) throws Exception;

    Optional<Profile> rename(UUID accountId, UUID profileId, String name, Change change) throws Exception;

    /** Deletes the profile; its devices stay, unassigned. False when unknown. */
    boolean delete(UUID accountId, UUID profileId, Change change) throws Exception;
}
