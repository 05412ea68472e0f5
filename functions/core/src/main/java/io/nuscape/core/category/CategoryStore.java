package io.nuscape.core.category;

import io.nuscape.core.audit.Change;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/** Each account's category rules and their version. The Postgres adapter lives in {@code nuscape-postgres}. */
public interface CategoryStore {
    /** The rules in order and the version they carry (0: the account never set any). */
    record RuleSet(long version, List<CategoryRule> rules) {
        public RuleSet {
            rules = List.copyOf(rules);
        }
    }

    /** The version of the account's rules, read on every categorized request (a primary-key read). */
    long version(UUID accountId) throws Exception;

    RuleSet rules(UUID accountId) throws Exception;

    /**
     * Replaces all the account's rules at once, raising the version; audited. With {@code expectedVersion},
     * only if the rules are still at that version (0: never set): empty otherwise, nothing changed.
     */
    Optional<RuleSet> replace(UUID accountId, List<CategoryRule> rules, OptionalLong expectedVersion, Change change) throws Exception;
}
