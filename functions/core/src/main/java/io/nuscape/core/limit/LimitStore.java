package io.nuscape.core.limit;

import io.nuscape.core.audit.Change;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The accounts' limits, each change audited in its own transaction; ids of another account are as unknown
 * as ids that do not exist. The Postgres adapter lives in {@code nuscape-postgres}.
 */
public interface LimitStore {
    /**
     * Stores a new limit (its id, account, times and the rest as given). Throws
     * {@link io.nuscape.core.ApiException} (400) when its profile or device is not the account's, or the device
     * is erased or being erased.
     */
    Limit create(Limit limit, Change change) throws Exception;

    List<Limit> limits(UUID accountId) throws Exception;

    Optional<Limit> limit(UUID accountId, UUID limitId) throws Exception;

    /** Changes what is given (null: unchanged); empty when unknown. */
    Optional<Limit> update(UUID accountId, UUID limitId, Long dailyMs, ZoneId zone, List<Long> warnBeforeMs, Change change) throws Exception;

    boolean delete(UUID accountId, UUID limitId, Change change) throws Exception;

    /**
     * The limits on any of these devices or on a profile any of them is assigned to now, each account's
     * devices its own ({@code devicesByAccount}); one read whatever the number of accounts.
     */
    List<Limit> limitsTouching(java.util.Map<UUID, ? extends java.util.Collection<UUID>> devicesByAccount) throws Exception;
}
