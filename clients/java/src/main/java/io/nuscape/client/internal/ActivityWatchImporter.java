package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an ActivityWatch bucket export ({@code {"buckets": {"<id>": {"type", "hostname", "events": [...]}}}},
 * as aw-server's export answers) into NuScape events:
 * <ul>
 *   <li>{@code currentwindow} buckets (aw-watcher-window): kind {@code app}, keyed by {@code data.app};</li>
 *   <li>{@code web.tab.current} buckets (aw-watcher-web): kind {@code web}, keyed by the URL's host without
 *       {@code www.}; pages that are not http(s) and incognito tabs are left out;</li>
 *   <li>{@code afkstatus} buckets (aw-watcher-afk): the periods with {@code status: "afk"} are cut out of the
 *       app and web events of the same host name (of every host when no AFK bucket has that name).</li>
 * </ul>
 * Each piece left gets an id derived from its source (bucket, the source event's timestamp, the piece's start,
 * kind and key), so importing the same export again yields the same ids and counts nothing twice. Pieces older
 * than the server's window (30 days, less an hour's margin for the upload) are skipped and counted.
 */
public final class ActivityWatchImporter {
    static final long MAX_AGE_MS = Duration.ofDays(30).minusHours(1).toMillis();
    static final long MAX_AHEAD_MS = Duration.ofMinutes(5).toMillis();

    /** What converting an export gave: the events, and what was left out and why. */
    public record Conversion(List<QueuedEvent> events, long sourceEvents, long skippedTooOld, long skippedOther, long afkExcludedMs) {
    }

    private record Interval(long start, long end) {
    }

    private ActivityWatchImporter() {
    }

    public static Conversion convert(Path export, Instant now) throws IOException {
        try (InputStream in = Files.newInputStream(export)) {
            return convert(ServerApi.JSON.readTree(in), now);
        }
    }

    public static Conversion convert(JsonNode root, Instant now) {
        if (root == null || !root.path("buckets").isObject()) {
            throw new IllegalArgumentException("not an ActivityWatch export: expected {\"buckets\": {\"<bucket id>\": {...}}}");
        }
        Map<String, List<Interval>> afkByHost = new HashMap<>();
        List<Interval> afkAll = new ArrayList<>();
        long sourceEvents = 0;
        for (Map.Entry<String, JsonNode> bucket : root.get("buckets").properties()) {
            if (!"afkstatus".equals(type(bucket.getKey(), bucket.getValue()))) {
                continue;
            }
            String host = bucket.getValue().path("hostname").asText("");
            for (JsonNode e : bucket.getValue().path("events")) {
                sourceEvents++;
                if (!"afk".equals(e.path("data").path("status").asText())) {
                    continue;
                }
                Interval i = interval(e);
                if (i != null && i.end > i.start) {
                    afkByHost.computeIfAbsent(host, h -> new ArrayList<>()).add(i);
                    afkAll.add(i);
                }
            }
        }
        afkByHost.replaceAll((h, list) -> merge(list));
        afkAll = merge(afkAll);

        long earliest = now.toEpochMilli() - MAX_AGE_MS;
        long latest = now.toEpochMilli() + MAX_AHEAD_MS;
        List<QueuedEvent> out = new ArrayList<>();
        long tooOld = 0;
        long other = 0;
        long afkExcluded = 0;
        for (Map.Entry<String, JsonNode> bucket : root.get("buckets").properties()) {
            String bucketId = bucket.getKey();
            String type = type(bucketId, bucket.getValue());
            String kind;
            if ("currentwindow".equals(type)) {
                kind = "app";
            } else if ("web.tab.current".equals(type)) {
                kind = "web";
            } else {
                continue;
            }
            List<Interval> afk = afkByHost.getOrDefault(bucket.getValue().path("hostname").asText(""), afkAll);
            for (JsonNode e : bucket.getValue().path("events")) {
                sourceEvents++;
                String key = "app".equals(kind) ? EventRules.sanitizeKey(e.path("data").path("app").asText(null)) : webKey(e.path("data"));
                Interval whole = interval(e);
                if (key == null || whole == null || whole.end <= whole.start) {
                    other++;
                    continue;
                }
                List<Interval> pieces = subtract(whole, afk);
                long kept = 0;
                for (Interval p : pieces) {
                    kept += p.end - p.start;
                }
                afkExcluded += (whole.end - whole.start) - kept;
                String source = bucketId + "\n" + e.path("timestamp").asText();
                for (Interval p : pieces) {
                    // The server takes at most 24 h per event.
                    for (long s = p.start; s < p.end; s += EventRules.MAX_DURATION_MS) {
                        long end = Math.min(p.end, s + EventRules.MAX_DURATION_MS);
                        if (s < earliest || s > latest) {
                            tooOld++;
                            continue;
                        }
                        String name = source + "\n" + s + "\n" + kind + "\n" + key;
                        out.add(new QueuedEvent(NameBasedUuid.of(NameBasedUuid.IMPORTS, name), s, kind, key, end - s));
                    }
                }
            }
        }
        out.sort(Comparator.comparingLong(QueuedEvent::tsMillis));
        return new Conversion(out, sourceEvents, tooOld, other, afkExcluded);
    }

    /** The bucket's type; older exports without one are recognised by the watcher's bucket-name prefix. */
    private static String type(String id, JsonNode bucket) {
        String t = bucket.path("type").asText("");
        if (!t.isEmpty()) {
            return t;
        }
        if (id.startsWith("aw-watcher-window")) {
            return "currentwindow";
        }
        if (id.startsWith("aw-watcher-afk")) {
            return "afkstatus";
        }
        if (id.startsWith("aw-watcher-web")) {
            return "web.tab.current";
        }
        return "";
    }

    /** The host of an http(s) page, lower case, without {@code www.}; null for other pages and incognito tabs. */
    static String webKey(JsonNode data) {
        if (data.path("incognito").asBoolean(false)) {
            return null;
        }
        String url = data.path("url").asText(null);
        if (url == null) {
            return null;
        }
        try {
            URI u = new URI(url.trim());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            String host = u.getHost();
            if (!scheme.equals("http") && !scheme.equals("https") || host == null || host.isEmpty()) {
                return null;
            }
            host = host.toLowerCase(Locale.ROOT);
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
            if (host.startsWith("www.") && host.length() > 4) {
                host = host.substring(4);
            }
            return EventRules.sanitizeKey(host);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** [timestamp, timestamp + duration) in milliseconds; null when the timestamp cannot be read. */
    private static Interval interval(JsonNode e) {
        Long start = timestamp(e.path("timestamp").asText(null));
        if (start == null) {
            return null;
        }
        double seconds = e.path("duration").asDouble(0);
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            return new Interval(start, start);
        }
        return new Interval(start, start + Math.round(seconds * 1000));
    }

    /** RFC 3339 with an offset, or without one (aw-server writes UTC). */
    static Long timestamp(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    private static List<Interval> merge(List<Interval> list) {
        list.sort(Comparator.comparingLong(Interval::start));
        List<Interval> out = new ArrayList<>();
        for (Interval i : list) {
            if (!out.isEmpty() && i.start <= out.get(out.size() - 1).end) {
                Interval last = out.remove(out.size() - 1);
                out.add(new Interval(last.start, Math.max(last.end, i.end)));
            } else {
                out.add(i);
            }
        }
        return out;
    }

    /** {@code whole} less the (sorted, disjoint) {@code cuts}. */
    private static List<Interval> subtract(Interval whole, List<Interval> cuts) {
        List<Interval> out = new ArrayList<>();
        long cursor = whole.start;
        // Merged cuts are disjoint, so their ends are sorted too: start at the first that ends after the event starts.
        int lo = 0;
        int hi = cuts.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cuts.get(mid).end <= cursor) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (Interval c : cuts.subList(lo, cuts.size())) {
            if (c.end <= cursor) {
                continue;
            }
            if (c.start >= whole.end) {
                break;
            }
            if (c.start > cursor) {
                out.add(new Interval(cursor, c.start));
            }
            cursor = Math.max(cursor, c.end);
            if (cursor >= whole.end) {
                break;
            }
        }
        if (cursor < whole.end) {
            out.add(new Interval(cursor, whole.end));
        }
        return out;
    }
}
