package io.nuscape.core.category;

import io.nuscape.core.usage.UsageQuery;
import io.nuscape.core.usage.UsageReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage seen through an account's categories, applied when read: the range's keys are read once (an index
 * range read grouped by key) and each is categorized by the compiled rules, a walk over its characters.
 */
public final class CategoryUsage {
    private final UsageReader reader;
    private final Categories categories;

    public CategoryUsage(UsageReader reader, Categories categories) {
        this.reader = reader;
        this.categories = categories;
    }

    /** Categories by duration descending, then name; each with its keys' totals. */
    public List<UsageReader.TopItem> topCategories(UsageQuery q, int limit) throws Exception {
        CategoryRules rules = categories.current(q.accountId());
        Map<String, long[]> sums = new HashMap<>();
        for (UsageReader.KeyTotal t : reader.totals(q)) {
            long[] s = sums.computeIfAbsent(rules.categorize(t.kind(), t.key()), c -> new long[2]);
            s[0] += t.durationMs();
            s[1] += t.events();
        }
        return ranked(sums, limit);
    }

    /**
     * A category's keys by duration descending, then key, as {@link UsageReader#top} orders them: from the one
     * read of the range's totals that finding the category's keys needs anyway (a key of several kinds adds up).
     */
    public List<UsageReader.TopItem> topInCategory(UsageQuery q, String category, int limit) throws Exception {
        CategoryRules rules = categories.current(q.accountId());
        Map<String, long[]> sums = new HashMap<>();
        for (UsageReader.KeyTotal t : reader.totals(q)) {
            if (rules.categorize(t.kind(), t.key()).equals(category)) {
                long[] s = sums.computeIfAbsent(t.key(), k -> new long[2]);
                s[0] += t.durationMs();
                s[1] += t.events();
            }
        }
        return ranked(sums, limit);
    }

    /** The duration of the range's keys that fall in the category, added up. */
    public long totalInCategory(UsageQuery q, String category) throws Exception {
        CategoryRules rules = categories.current(q.accountId());
        long sum = 0;
        for (UsageReader.KeyTotal t : reader.totals(q)) {
            if (rules.categorize(t.kind(), t.key()).equals(category)) {
                sum += t.durationMs();
            }
        }
        return sum;
    }

    private static List<UsageReader.TopItem> ranked(Map<String, long[]> sums, int limit) {
        List<UsageReader.TopItem> out = new ArrayList<>();
        sums.forEach((c, s) -> out.add(new UsageReader.TopItem(c, s[0], s[1])));
        out.sort(Comparator.comparingLong(UsageReader.TopItem::durationMs).reversed().thenComparing(UsageReader.TopItem::key));
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    /** The question narrowed to the keys of the range that fall in the category. */
    public UsageQuery inCategory(UsageQuery q, String category) throws Exception {
        CategoryRules rules = categories.current(q.accountId());
        List<UsageQuery.KindKey> keys = new ArrayList<>();
        for (UsageReader.KeyTotal t : reader.totals(q)) {
            if (rules.categorize(t.kind(), t.key()).equals(category)) {
                keys.add(new UsageQuery.KindKey(t.kind(), t.key()));
            }
        }
        return q.onlyKeys(keys);
    }
}
