package io.nuscape.core.category;

import io.nuscape.core.audit.Change;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accounts' rules, compiled once per version and kept: a categorized request reads only the version,
 * and compiles again only when an admin changed the rules (on any instance).
 */
public final class Categories {
    public static final int MAX_RULES = 1000;
    private static final int MAX_CACHED_ACCOUNTS = 10_000;

    private record Compiled(long version, CategoryRules rules) {
    }

    private final CategoryStore store;
    private final Map<UUID, Compiled> compiled = new ConcurrentHashMap<>();

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
        if (compiled.size() >= MAX_CACHED_ACCOUNTS) {
            compiled.clear(); // bounded; each account compiles again once
        }
        compiled.put(accountId, new Compiled(set.version(), rules));
        return rules;
    }

    public CategoryStore.RuleSet replace(UUID accountId, List<CategoryRule> rules, Change change) throws Exception {
        return store.replace(accountId, rules, change);
    }

    public CategoryStore.RuleSet rules(UUID accountId) throws Exception {
        return store.rules(accountId);
    }
}
