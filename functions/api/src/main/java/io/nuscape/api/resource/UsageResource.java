package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.integer;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.range;

import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.Requests;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.Uuids;
import io.nuscape.core.category.CategoryUsage;
import io.nuscape.core.event.EventRules;
import io.nuscape.core.control.Policy;
import io.nuscape.core.profile.ProfileStore;
import io.nuscape.core.queue.ControlPlaneCache;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.core.usage.UsageQuery;
import io.nuscape.core.usage.UsageReader;
import io.nuscape.core.usage.Step;
import io.nuscape.core.usage.Buckets;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Dashboards of CONTRACT.md: top keys and dense time series, from the rollups only, for the token's
 * account. The granularity follows the range (up to 6 h: 1m, up to 14 days: 5m, beyond: 60m) unless
 * {@code step} names one.
 */
@Path("/api/v1/usage")
public final class UsageResource {
    static final int MAX_POINTS = 1500;

    private final UsageReader reader;
    private final ProfileStore profiles;
    private final CategoryUsage categories;
    private final Clock clock;
    private final ControlPlaneCache ingestCounts;
    private final io.nuscape.core.control.ControlPlaneStore controlPlane;
    private final io.nuscape.core.control.RetentionLimits retentionLimits;

    public UsageResource(UsageReader reader, ProfileStore profiles, CategoryUsage categories, ControlPlaneCache ingestCounts,
                         io.nuscape.core.control.ControlPlaneStore controlPlane, io.nuscape.core.control.RetentionLimits retentionLimits,
                         Clock clock) {
        this.ingestCounts = ingestCounts;
        this.controlPlane = controlPlane;
        this.retentionLimits = retentionLimits;
        this.reader = reader;
        this.profiles = profiles;
        this.categories = categories;
        this.clock = clock;
    }

    @GET
    @Path("/top")
    @RequiresScope(Scope.READ)
    public Response top(@Context ContainerRequestContext request, @QueryParam("from") String from, @QueryParam("to") String to,
                        @QueryParam("kind") String kind, @QueryParam("device_id") String device, @QueryParam("limit") String limit,
                        @QueryParam("step") String step, @QueryParam("profile_id") String profile, @QueryParam("category") String category,
                        @QueryParam("group_by") String groupBy) throws Exception {
        boolean byCategory = groupBy != null && switch (groupBy) {
            case "key" -> false;
            case "category" -> true;
            default -> throw new ApiException(ErrorCode.INVALID_REQUEST, "\"group_by\" must be key or category");
        };
        // Keys are apps unless told; categories span kinds (apps and sites), so a category's keys or grouping by them
        // read every kind unless told.
        Optional<String> kinds = kind != null ? Optional.of(kind) : byCategory || category != null ? Optional.empty() : Optional.of("app");
        int n = integer("limit", limit, 10, 1, 100);
        UsageQuery asked = query(request, from, to, kinds, null, device, profile, step);
        UsageQuery q = byCategory ? narrowed(asked, category) : asked;
        List<UsageReader.TopItem> found;
        if (byCategory) {
            found = categories.topCategories(q, n);
        } else if (category != null) {
            checkCategory(category);
            found = categories.topInCategory(q, category, n); // one read of the range: its totals hold every key's sums
        } else {
            found = reader.top(q, n);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (UsageReader.TopItem i : found) {
            var item = new LinkedHashMap<String, Object>();
            item.put(byCategory ? "category" : "key", i.key());
            item.put("duration_ms", i.durationMs());
            item.put("events", i.events());
            items.add(item);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("from", q.from().toString());
        body.put("to", q.to().toString());
        body.put("granularity", q.granularity().label());
        body.put("items", items);
        return json(200, body);
    }

    /** The finest granularity at least as coarse as {@code g} that the account's policy keeps at {@code from}. */
    private Granularity kept(UUID account, Instant from, Granularity g) throws Exception {
        Policy policy = controlPlane.policy(account);
        Instant now = clock.instant();
        for (Granularity c : Granularity.values()) {
            if (c.ordinal() >= g.ordinal() && !from.isBefore(now.minus(Duration.ofDays(keptDays(policy, c))))) {
                return c;
            }
        }
        return Granularity.HOUR;
    }

    /** The days the retention job keeps a granularity for the account: its policy, within the platform's limit. */
    private int keptDays(Policy policy, Granularity g) {
        return retentionLimits.effectiveDays(g, policy.retentionDays(g));
    }

    /**
     * The range's totals (duration, events, devices in use) and its top keys, and with {@code compare=previous}
     * the same for the period of equal length just before.
     */
    @GET
    @Path("/summary")
    @RequiresScope(Scope.READ)
    public Response summary(@Context ContainerRequestContext request, @QueryParam("from") String from, @QueryParam("to") String to,
                            @QueryParam("tz") String tz, @QueryParam("kind") String kind, @QueryParam("device_id") String device,
                            @QueryParam("profile_id") String profile, @QueryParam("category") String category,
                            @QueryParam("compare") String compare, @QueryParam("limit") String limit) throws Exception {
        if (compare != null && !compare.equals("previous")) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"compare\" must be previous (the period of equal length just before)");
        }
        ZoneId zone = Requests.zone(tz);
        int n = integer("limit", limit, 10, 1, 100);
        UsageQuery q = narrowed(query(request, from, to, Optional.ofNullable(kind), null, device, profile, null), category);
        Map<String, Object> body = summaryOf(q, n);
        body.put("tz", zone.getId());
        if (compare != null) {
            Duration length = Duration.between(q.from(), q.to());
            Instant before = q.from().minus(length);
            UsageQuery p = new UsageQuery(q.accountId(), before, q.from(), kept(q.accountId(), before, q.granularity()), q.kind(), q.key(),
                    q.deviceId(), q.devices(), Optional.empty());
            body.put("previous", summaryOf(narrowed(p, category), n));
        }
        return json(200, body);
    }

    private Map<String, Object> summaryOf(UsageQuery q, int limit) throws Exception {
        UsageReader.Summary s = reader.summary(q, limit);
        List<Map<String, Object>> top = new ArrayList<>();
        for (UsageReader.TopItem i : s.top()) {
            var item = new LinkedHashMap<String, Object>();
            item.put("key", i.key());
            item.put("duration_ms", i.durationMs());
            item.put("events", i.events());
            top.add(item);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("from", q.from().toString());
        body.put("to", q.to().toString());
        body.put("granularity", q.granularity().label());
        body.put("duration_ms", s.durationMs());
        body.put("events", s.events());
        body.put("active_devices", s.activeDevices());
        body.put("top", top);
        return body;
    }

    /** The range's usage split by device, kind, category (the account's rules now) or profile (devices as assigned now). */
    @GET
    @Path("/breakdown")
    @RequiresScope(Scope.READ)
    public Response breakdown(@Context ContainerRequestContext request, @QueryParam("by") String by, @QueryParam("from") String from,
                              @QueryParam("to") String to, @QueryParam("tz") String tz, @QueryParam("kind") String kind,
                              @QueryParam("device_id") String device, @QueryParam("profile_id") String profile,
                              @QueryParam("category") String category) throws Exception {
        if (by == null || !List.of("device", "kind", "category", "profile").contains(by)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"by\" must be device, kind, category or profile");
        }
        ZoneId zone = Requests.zone(tz);
        UsageQuery q = narrowed(query(request, from, to, Optional.ofNullable(kind), null, device, profile, null), category);
        List<UsageReader.TopItem> found = switch (by) {
            case "device" -> reader.breakdown(q, UsageReader.Dimension.DEVICE);
            case "kind" -> reader.breakdown(q, UsageReader.Dimension.KIND);
            case "category" -> categories.topCategories(q, Integer.MAX_VALUE);
            default -> byProfile(q);
        };
        List<Map<String, Object>> items = new ArrayList<>();
        for (UsageReader.TopItem i : found) {
            var item = new LinkedHashMap<String, Object>();
            item.put("value", i.key());
            item.put("duration_ms", i.durationMs());
            item.put("events", i.events());
            items.add(item);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("by", by);
        body.put("from", q.from().toString());
        body.put("to", q.to().toString());
        body.put("tz", zone.getId());
        body.put("granularity", q.granularity().label());
        body.put("items", items);
        return json(200, body);
    }

    /** Per-device sums gathered by the profile each device is in now; devices in none under "unassigned". */
    private List<UsageReader.TopItem> byProfile(UsageQuery q) throws Exception {
        Map<String, String> profileOf = new java.util.HashMap<>();
        for (io.nuscape.core.profile.Profile p : profiles.profiles(q.accountId())) {
            for (UUID d : p.deviceIds()) {
                profileOf.put(d.toString(), p.profileId().toString());
            }
        }
        Map<String, long[]> sums = new java.util.HashMap<>();
        for (UsageReader.TopItem i : reader.breakdown(q, UsageReader.Dimension.DEVICE)) {
            long[] s = sums.computeIfAbsent(profileOf.getOrDefault(i.key(), "unassigned"), k -> new long[2]);
            s[0] += i.durationMs();
            s[1] += i.events();
        }
        List<UsageReader.TopItem> out = new ArrayList<>();
        sums.forEach((k, s) -> out.add(new UsageReader.TopItem(k, s[0], s[1])));
        out.sort(java.util.Comparator.comparingLong(UsageReader.TopItem::durationMs).reversed().thenComparing(UsageReader.TopItem::key));
        return out;
    }

    /**
     * A UTC month's metering: the events ingest accepted (what the quota is held to; duplicates re-sent under
     * the same event id included) and those counted into the rollups for the first time.
     */
    @GET
    @Path("/metering")
    @RequiresScope(Scope.READ)
    public Response metering(@Context ContainerRequestContext request, @QueryParam("month") String monthText) throws Exception {
        YearMonth current = YearMonth.now(clock.withZone(java.time.ZoneOffset.UTC));
        YearMonth month;
        try {
            month = monthText == null ? current : YearMonth.parse(monthText);
        } catch (java.time.format.DateTimeParseException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"month\" must be a UTC month as YYYY-MM, e.g. " + current);
        }
        if (month.isAfter(current) || month.isBefore(current.minusMonths(12))) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "metering is kept for the current month and the 12 before it: \"month\" from "
                    + current.minusMonths(12) + " to " + current);
        }
        UUID account = principal(request).accountId();
        var body = new LinkedHashMap<String, Object>();
        body.put("month", month.toString());
        body.put("events_accepted", ingestCounts.eventsAccepted(account, month));
        body.put("events_counted", reader.eventsCounted(account, month));
        return json(200, body);
    }

    @GET
    @Path("/timeseries")
    @RequiresScope(Scope.READ)
    public Response timeseries(@Context ContainerRequestContext request, @QueryParam("from") String from, @QueryParam("to") String to,
                               @QueryParam("kind") String kind, @QueryParam("key") String key, @QueryParam("device_id") String device,
                               @QueryParam("step") String step, @QueryParam("profile_id") String profile,
                               @QueryParam("category") String category, @QueryParam("tz") String tz) throws Exception {
        if (tz != null || "1d".equals(step) || "1w".equals(step)) {
            return zonedSeries(request, from, to, kind, key, device, step, profile, category, tz);
        }
        UsageQuery asked = query(request, from, to, Optional.ofNullable(kind), key, device, profile, step);
        long first = asked.granularity().bucketOf(asked.from().toEpochMilli());
        long points = (asked.to().toEpochMilli() - first + asked.granularity().millis() - 1) / asked.granularity().millis();
        if (points > MAX_POINTS) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "the range holds " + points + " buckets of " + asked.granularity().label()
                    + "; at most " + MAX_POINTS + " points: use a larger step or a shorter range");
        }
        UsageQuery q = narrowed(asked, category); // after the cheap checks: reading a category's keys reads the range once
        List<Map<String, Object>> out = new ArrayList<>();
        for (UsageReader.Point p : reader.timeseries(q)) {
            var point = new LinkedHashMap<String, Object>();
            point.put("bucket_start", p.bucketStart().toString());
            point.put("duration_ms", p.durationMs());
            point.put("events", p.events());
            out.add(point);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("from", q.from().toString());
        body.put("to", q.to().toString());
        body.put("step", q.granularity().label());
        body.put("points", out);
        return json(200, body);
    }

    /**
     * A series in a zone's calendar: days and ISO weeks of the zone (23 or 25 hours across daylight-saving
     * changes), hours of its clock (Asia/Kolkata's start at :30 UTC); read from the coarsest rollups that fill
     * those buckets exactly (hours, or 5 minutes for zones like Kolkata), {@code bucket_start} with the zone's offset.
     */
    private Response zonedSeries(ContainerRequestContext request, String from, String to, String kind, String key, String device,
                                 String step, String profile, String category, String tz) throws Exception {
        ZoneId zone = Requests.zone(tz);
        Requests.TimeRange range = range(from, to, clock);
        Step s = step == null ? Step.forRange(Duration.between(range.from(), range.to())) : Step.parse(step)
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REQUEST, "\"step\" must be 1m, 5m, 60m, 1d or 1w"));
        Buckets buckets = Requests.buckets(range, s, zone, MAX_POINTS);
        UsageQuery asked = query(request, from, to, Optional.ofNullable(kind), key, device, profile, null);
        UsageQuery exact = new UsageQuery(asked.accountId(), buckets.first(), buckets.last(), buckets.coarsestExactRollup(), asked.kind(),
                asked.key(), asked.deviceId(), asked.devices(), asked.keys());
        // A category's keys from the hours, which are kept longest: a key used only where finer rollups expired counts too.
        UsageQuery hourly = narrowed(new UsageQuery(exact.accountId(), exact.from(), exact.to(), Granularity.HOUR, exact.kind(), exact.key(),
                exact.deviceId(), exact.devices(), exact.keys()), category);
        UsageQuery q = new UsageQuery(exact.accountId(), exact.from(), exact.to(), exact.granularity(), exact.kind(), exact.key(),
                exact.deviceId(), exact.devices(), hourly.keys());
        // Each bucket from the finest rollups the account still keeps there (its policy): never a zero because
        // a finer table expired. Coarser than exact (a half-hour zone's buckets from hours) is approximate.
        Policy policy = controlPlane.policy(asked.accountId());
        Instant now = clock.instant();
        Granularity[] used = new Granularity[buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            used[i] = Granularity.HOUR;
            for (Granularity g : Granularity.values()) {
                if (g.ordinal() >= exact.granularity().ordinal()
                        && !buckets.start(i).isBefore(now.minus(Duration.ofDays(keptDays(policy, g))))) {
                    used[i] = g;
                    break;
                }
            }
        }
        // Runs of buckets answered from the same rollups, oldest (coarsest) first.
        int n = buckets.size();
        List<int[]> runs = new ArrayList<>();
        for (int first = 0; first < n; ) {
            int end = first;
            while (end < n && used[end] == used[first]) {
                end++;
            }
            runs.add(new int[] {first, end});
            first = end;
        }
        Instant[] lo = new Instant[runs.size()];
        Instant[] hi = new Instant[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            lo[r] = buckets.start(runs.get(r)[0]);
            hi[r] = runs.get(r)[1] < n ? buckets.start(runs.get(r)[1]) : buckets.last();
        }
        // Where a coarser run meets a finer one off its own grid (a Kolkata midnight, 18:30 UTC, after hours), the
        // coarser row that straddles the seam would count the half after it again: the coarser run stops at the
        // start of that row, and the finer run answers from there, for the buckets those minutes fall in.
        for (int r = 1; r < runs.size(); r++) {
            Granularity coarser = used[runs.get(r - 1)[0]];
            if (coarser.millis() > used[runs.get(r)[0]].millis()) {
                long cut = Math.max(lo[r - 1].toEpochMilli(), Math.floorDiv(lo[r].toEpochMilli(), coarser.millis()) * coarser.millis());
                hi[r - 1] = Instant.ofEpochMilli(cut);
                lo[r] = Instant.ofEpochMilli(cut);
            }
        }
        long[] duration = new long[n];
        long[] events = new long[n];
        for (int r = 0; r < runs.size(); r++) {
            if (!lo[r].isBefore(hi[r])) {
                continue;
            }
            List<Instant> edges = new ArrayList<>(List.of(lo[r]));
            List<Integer> bucketOf = new ArrayList<>(List.of(bucketAt(buckets, lo[r])));
            for (int i = 0; i < n; i++) {
                if (buckets.start(i).isAfter(lo[r]) && buckets.start(i).isBefore(hi[r])) {
                    edges.add(buckets.start(i));
                    bucketOf.add(i);
                }
            }
            edges.add(hi[r]);
            UsageQuery part = new UsageQuery(q.accountId(), lo[r], hi[r], used[runs.get(r)[0]], q.kind(), q.key(), q.deviceId(), q.devices(), q.keys());
            List<UsageReader.Point> got = reader.series(part, edges);
            for (int k = 0; k < got.size(); k++) {
                duration[bucketOf.get(k)] += got.get(k).durationMs();
                events[bucketOf.get(k)] += got.get(k).events();
            }
        }
        List<UsageReader.Point> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            points.add(new UsageReader.Point(buckets.start(i), duration[i], events[i]));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        boolean approximate = false;
        for (int i = 0; i < points.size(); i++) {
            var point = new LinkedHashMap<String, Object>();
            point.put("bucket_start", buckets.startText(i));
            point.put("duration_ms", points.get(i).durationMs());
            point.put("events", points.get(i).events());
            point.put("granularity", used[i].label());
            boolean exactHere = used[i] == exact.granularity() || buckets.alignedTo(used[i].millis());
            if (!exactHere) {
                point.put("approximate", true);
                approximate = true;
            }
            out.add(point);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("from", range.from().toString());
        body.put("to", range.to().toString());
        body.put("tz", zone.getId());
        body.put("step", s.label());
        body.put("granularity", used.length == 0 ? exact.granularity().label() : used[used.length - 1].label());
        body.put("approximate", approximate);
        body.put("points", out);
        return json(200, body);
    }

    /** The bucket whose span holds {@code t} (the first bucket for a time before it). */
    private static int bucketAt(Buckets buckets, Instant t) {
        int found = 0;
        for (int i = 0; i < buckets.size() && !buckets.start(i).isAfter(t); i++) {
            found = i;
        }
        return found;
    }

    private UsageQuery query(ContainerRequestContext request, String fromText, String toText, Optional<String> kind, String key,
                             String device, String profile, String step) throws Exception {
        Requests.TimeRange times = range(fromText, toText, clock);
        Instant from = times.from();
        Instant to = times.to();
        Duration range = Duration.between(from, to);
        Step s = step == null ? Step.forRange(range) : Step.parse(step)
                .filter(st -> st != Step.DAY && st != Step.WEEK) // not here yet: issue 12 (days and weeks of a zone)
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REQUEST, "\"step\" must be 1m, 5m or 60m"));
        // The finest rollups asked for may have expired at the range's start (a 2-hour window 20 days ago asks
        // minutes, kept 14 days): the finest the account still keeps there answers instead, and says so.
        Granularity g = kept(principal(request).accountId(), from, granularityOf(s));
        if (kind.isPresent() && EventRules.kindProblem(kind.get()) != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"kind\": " + EventRules.kindProblem(kind.get()));
        }
        if (key != null && EventRules.keyProblem(key) != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"key\": " + EventRules.keyProblem(key));
        }
        Optional<UUID> deviceId = Optional.empty();
        if (device != null) {
            if (!Uuids.isCanonical(device)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"device_id\" must be a UUID");
            }
            deviceId = Optional.of(UUID.fromString(device));
        }
        Optional<List<UUID>> devices = Optional.empty();
        if (profile != null) {
            if (!Uuids.isCanonical(profile)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"profile_id\" must be a UUID");
            }
            // The profile's devices as assigned now; a mistyped profile must not read as a profile without usage.
            devices = Optional.of(profiles.profile(principal(request).accountId(), UUID.fromString(profile))
                    .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "\"profile_id\" names no profile of this account")).deviceIds());
        }
        return new UsageQuery(principal(request).accountId(), from, to, g, kind, Optional.ofNullable(key), deviceId, devices, Optional.empty());
    }

    /** The question for the keys of one category (as the account's rules say now), or as it is. */
    private UsageQuery narrowed(UsageQuery q, String category) throws Exception {
        if (category == null) {
            return q;
        }
        checkCategory(category);
        return categories.inCategory(q, category);
    }

    private static void checkCategory(String category) {
        if (category.isBlank() || category.length() > 50) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"category\" must be 1 to 50 characters");
        }
    }

    static Granularity granularityFor(Duration range) {
        return granularityOf(Step.forRange(range));
    }

    /** The rollups a fixed step reads. */
    private static Granularity granularityOf(Step step) {
        return switch (step) {
            case MINUTE -> Granularity.MINUTE;
            case FIVE_MINUTES -> Granularity.FIVE_MINUTES;
            default -> Granularity.HOUR;
        };
    }
}
