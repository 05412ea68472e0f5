package io.nuscape.core.category;

import io.nuscape.core.audit.Change;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The accounts' rules, compiled once per version and kept: a categorized request reads only the version,
 * and compiles again only when an admin changed the rules (on any instance).
 */
public final class Categories {
    public static final int MAX_RULES = 1000;
    /**
     * What one instance keeps compiled, counted in rules (an account without rules counts one): about 40 MB
     * at the most. Past it the cache starts afresh and each account compiles again once when next asked.
     */
    static final int MAX_CACHED_RULES = 200_000;

    private record Compiled(long version, CategoryRules rules) {
    }

    private final CategoryStore store;
    private final Map<UUID, Compiled> compiled = new ConcurrentHashMap<>();
    private final AtomicLong cachedRules = new AtomicLong();

    public Categories(CategoryStore store) {
        this.store = store;
    }

    /** The account's current rules, compiled. */
    public CategoryRules current(UUID accountId) throws Exception {
        long version = store.version(accountId);
        Compiled c = compiled.get(accountId);
        if (c != null && c.version() == version) {
            return c.rules();
        }
        CategoryStore.RuleSet set = store.rules(accountId);
        CategoryRules rules = new CategoryRules(set.rules());
        long weight = Math.max(1, set.rules().size());
        if (cachedRules.addAndGet(weight) > MAX_CACHED_RULES) {
            compiled.clear();
            cachedRules.set(weight);
        }
        Compiled before = compiled.put(accountId, new Compiled(set.version(), rules));
        if (before != null) {
            cachedRules.addAndGet(-Math.max(1, before.rules().rules().size()));
        }
        return rules;
    }

    /** See {@link CategoryStore#replace}. */
    public Optional<CategoryStore.RuleSet> replace(UUID accountId, List<CategoryRule> rules, OptionalLong expectedVersion, Change change)
            throws Exception {
        return store.replace(accountId, rules, expectedVersion, change);
    }

    public CategoryStore.RuleSet rules(UUID accountId) throws Exception {
        return store.rules(accountId);
    }
}
