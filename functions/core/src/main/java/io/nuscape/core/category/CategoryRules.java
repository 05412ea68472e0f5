package io.nuscape.core.category;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An account's rules compiled for lookup: first match wins, unmatched keys are {@code uncategorized}. A key
 * costs a walk over its own characters, not one test per rule: exact patterns and domains are hash lookups
 * (a domain key is looked up at each of its label boundaries), prefixes and suffixes are walks down a trie
 * of the patterns (a suffix trie holds them reversed). Every candidate carries its rule's position; the
 * lowest wins. Immutable, so one instance serves concurrent requests.
 */
public final class CategoryRules {
    private static final String ANY_KIND = "";

    private final List<CategoryRule> rules;
    private final Map<String, Map<String, Integer>> exact = new HashMap<>();
    private final Map<String, Map<String, Integer>> domains = new HashMap<>();
    private final Map<String, Trie> prefixes = new HashMap<>();
    private final Map<String, Trie> suffixes = new HashMap<>();

    public CategoryRules(List<CategoryRule> rules) {
        this.rules = List.copyOf(rules);
        for (int i = 0; i < this.rules.size(); i++) {
            CategoryRule r = this.rules.get(i);
            String kind = r.kind() == null ? ANY_KIND : r.kind();
            switch (r.match()) {
                case EXACT -> exact.computeIfAbsent(kind, k -> new HashMap<>()).putIfAbsent(r.pattern(), i);
                case DOMAIN -> domains.computeIfAbsent(kind, k -> new HashMap<>()).putIfAbsent(r.pattern(), i);
                case PREFIX -> prefixes.computeIfAbsent(kind, k -> new Trie()).add(r.pattern(), i, false);
                case SUFFIX -> suffixes.computeIfAbsent(kind, k -> new Trie()).add(r.pattern(), i, true);
            }
        }
    }

    public List<CategoryRule> rules() {
        return rules;
    }

    /** The category of a key of a kind. */
    public String categorize(String kind, String key) {
        int best = Integer.MAX_VALUE;
        for (String k : new String[] {kind, ANY_KIND}) {
            best = Math.min(best, lookup(exact.get(k), key));
            best = Math.min(best, domain(domains.get(k), key));
            Trie p = prefixes.get(k);
            if (p != null) {
                best = Math.min(best, p.lowest(key, false));
            }
            Trie s = suffixes.get(k);
            if (s != null) {
                best = Math.min(best, s.lowest(key, true));
            }
        }
        return best == Integer.MAX_VALUE ? CategoryRule.UNCATEGORIZED : rules.get(best).category();
    }

    private static int lookup(Map<String, Integer> map, String key) {
        if (map == null) {
            return Integer.MAX_VALUE;
        }
        Integer i = map.get(key);
        return i == null ? Integer.MAX_VALUE : i;
    }

    /** The host itself, then each parent domain: m.youtube.com, youtube.com, com. */
    private static int domain(Map<String, Integer> map, String key) {
        if (map == null) {
            return Integer.MAX_VALUE;
        }
        String lower = key.toLowerCase(Locale.ROOT);
        String host = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower; // the root's dot: youtube.com.
        int best = Integer.MAX_VALUE;
        int from = 0;
        while (from >= 0 && from < host.length()) {
            best = Math.min(best, lookup(map, from == 0 ? host : host.substring(from)));
            int dot = host.indexOf('.', from);
            from = dot < 0 ? -1 : dot + 1;
        }
        return best;
    }

    /** A character trie; each node that ends a pattern holds that rule's position. */
    private static final class Trie {
        private final Map<Character, Trie> next = new HashMap<>();
        private int rule = Integer.MAX_VALUE;

        void add(String pattern, int position, boolean reversed) {
            Trie node = this;
            for (int i = 0; i < pattern.length(); i++) {
                char c = pattern.charAt(reversed ? pattern.length() - 1 - i : i);
                node = node.next.computeIfAbsent(c, x -> new Trie());
            }
            node.rule = Math.min(node.rule, position);
        }

        /** The lowest position among patterns that start (or, reversed, end) the key. */
        int lowest(String key, boolean reversed) {
            int best = Integer.MAX_VALUE;
            Trie node = this;
            for (int i = 0; i < key.length() && node != null; i++) {
                node = node.next.get(key.charAt(reversed ? key.length() - 1 - i : i));
                if (node != null) {
                    best = Math.min(best, node.rule);
                }
            }
            return best;
        }
    }
}
