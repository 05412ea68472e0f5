package io.nuscape.core.category;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The compiled rules against the rules read one by one, first match wins. */
class CategoryRulesTest {

    /** The definition, one rule after the other: what the compiled lookup must always agree with. */
    static String naive(List<CategoryRule> rules, String kind, String key) {
        for (CategoryRule r : rules) {
            if (r.kind() != null && !r.kind().equals(kind)) {
                continue;
            }
            boolean hit = switch (r.match()) {
                case EXACT -> key.equals(r.pattern());
                case PREFIX -> key.startsWith(r.pattern());
                case SUFFIX -> key.endsWith(r.pattern());
                case DOMAIN -> key.equalsIgnoreCase(r.pattern()) || key.toLowerCase().endsWith("." + r.pattern());
            };
            if (hit) {
                return r.category();
            }
        }
        return CategoryRule.UNCATEGORIZED;
    }

    static CategoryRule rule(String category, String kind, String match, String pattern) {
        return CategoryRule.of(0, category, kind, match, pattern);
    }

    @Test
    void theFirstMatchingRuleWinsWhateverHowItMatches() {
        List<CategoryRule> rules = List.of(
                rule("music", "web", "domain", "music.youtube.com"),
                rule("video", "web", "domain", "youtube.com"),
                rule("games", "app", "prefix", "com.supercell."),
                rule("work", null, "suffix", ".corp"),
                rule("chat", "app", "exact", "com.whatsapp"),
                rule("late", "app", "prefix", "com."));
        CategoryRules compiled = new CategoryRules(rules);
        assertEquals("music", compiled.categorize("web", "music.youtube.com"));
        assertEquals("video", compiled.categorize("web", "m.youtube.com"));
        assertEquals("video", compiled.categorize("web", "YouTube.com"), "host names compare without case");
        assertEquals(CategoryRule.UNCATEGORIZED, compiled.categorize("web", "notyoutube.com"), "a domain, not a suffix");
        assertEquals("video", compiled.categorize("web", "WWW.YOUTUBE.COM."), "the root's trailing dot and any case");
        assertEquals(CategoryRule.UNCATEGORIZED, compiled.categorize("app", "youtube.com"), "web rules are for web keys");
        assertEquals("games", compiled.categorize("app", "com.supercell.brawlstars"));
        assertEquals("work", compiled.categorize("app", "intranet.corp"));
        assertEquals("work", compiled.categorize("web", "wiki.corp"), "a rule without kind is for every kind");
        assertEquals("chat", compiled.categorize("app", "com.whatsapp"));
        assertEquals("late", compiled.categorize("app", "com.whatsapp.w4b"), "prefix of a later rule");
        assertEquals(CategoryRule.UNCATEGORIZED, compiled.categorize("screen", "on"));
    }

    /** 1 000 random rules of every kind of match and 20 000 random keys: the compiled lookup is the definition. */
    @Test
    void agreesWithTheRulesReadOneByOneOnRandomRulesAndKeys() {
        Random rnd = new Random(7);
        String[] parts = {"a", "b", "ab", "com", "x", "yt", "app", "ba", "net", "io", "m", "www", "tv", "go", "q", "zz"};
        String[] kinds = {"app", "web"};
        List<CategoryRule> rules = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String pattern = word(rnd, parts, 2 + rnd.nextInt(2));
            String match = List.of("exact", "prefix", "suffix", "domain").get(rnd.nextInt(4));
            rules.add(rule("c" + (i % 37), rnd.nextInt(4) == 0 ? null : kinds[rnd.nextInt(2)], match, pattern));
        }
        CategoryRules compiled = new CategoryRules(rules);
        int categorized = 0;
        for (int i = 0; i < 20_000; i++) {
            String kind = kinds[rnd.nextInt(2)];
            String key = word(rnd, parts, 1 + rnd.nextInt(5));
            String expected = naive(rules, kind, key);
            assertEquals(expected, compiled.categorize(kind, key), kind + " " + key);
            categorized += expected.equals(CategoryRule.UNCATEGORIZED) ? 0 : 1;
        }
        assertTrue(categorized > 2000 && categorized < 18_000, "the keys exercise both outcomes: " + categorized);
    }

    private static String word(Random rnd, String[] parts, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append(rnd.nextBoolean() ? "." : "");
            }
            b.append(parts[rnd.nextInt(parts.length)]);
        }
        return b.toString();
    }

    @Test
    void badRulesAreRefusedNamingTheRule() {
        ApiException e = assertThrows(ApiException.class, () -> CategoryRule.of(3, "x", "app", "regex", "a.*"));
        assertTrue(e.getMessage().startsWith("rule 3: "), e.getMessage());
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "uncategorized", "app", "exact", "a"));
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "x", "App!", "exact", "a"));
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "x", "web", "domain", ".youtube.com"));
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "x", "web", "domain", "*.youtube.com"));
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "x", "web", "domain", "you tube.com"));
        assertThrows(ApiException.class, () -> CategoryRule.of(0, "x", "web", "exact", ""));
    }

    @Test
    void theStarterSetLoadsAndPutsTheSpecificBeforeTheGeneral() {
        CategoryRules starter = new CategoryRules(StarterRules.rules());
        assertTrue(StarterRules.rules().size() > 100 && StarterRules.rules().size() <= 1000);
        assertEquals("music", starter.categorize("web", "music.youtube.com"));
        assertEquals("video", starter.categorize("web", "www.youtube.com"));
        assertEquals("communication", starter.categorize("web", "mail.google.com"));
        assertEquals("social", starter.categorize("app", "com.instagram.android"));
        assertEquals("games", starter.categorize("app", "com.supercell.hayday"));
        assertEquals("social", starter.categorize("app", "com.burbn.instagram"), "iOS bundle ids too");
        assertEquals("communication", starter.categorize("app", "com.microsoft.Office.Outlook"));
        assertEquals("productivity", starter.categorize("app", "com.microsoft.Office.Powerpoint"));
        assertEquals(CategoryRule.UNCATEGORIZED, starter.categorize("app", "org.example.unknown"));
    }
}
