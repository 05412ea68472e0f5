package io.nuscape.api.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.nuscape.api.ApiHandler;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.people.ApiKeys;
import io.nuscape.postgres.ConnectionPool;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.PostgresApiKeyStore;
import io.nuscape.postgres.PostgresCategoryStore;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.DurablePostgres;
import io.nuscape.testkit.EmbeddedRedis;
import io.nuscape.testkit.FreePort;
import io.nuscape.testkit.RollupLoader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * {@code scripts/bench query}: loads rollup rows with COPY (default 20 000 000: 100 accounts, 50 devices
 * each, 30 keys, 30 days, all three granularities), then times top and timeseries through the API handler
 * in-process for random accounts and ranges (1 h, 24 h, 7 d, 30 d), and in the same run the same answers
 * from the plainest correct SQL with index scans turned off: what a design without the right key pays.
 */
public final class QueryBench {
    static final int ACCOUNTS = 100;
    static final int DEVICES = 50;
    static final int KEYS = 30;

    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        try (EmbeddedRedis redis = EmbeddedRedis.start();
             DurablePostgres pg = DurablePostgres.start(Map.of("shared_buffers", "2GB", "max_wal_size", "8GB",
                     "maintenance_work_mem", "1GB", "work_mem", "64MB", "checkpoint_timeout", "30min"))) {
            Database db = new Database(pg.jdbcUrl(), "postgres", "postgres");
            try (var c = db.connect()) {
                System.out.println("bench query: postgres as it reports: " + DurablePostgres.durability(c));
            }
            new Migrator(db).migrate();
            Random rnd = new Random(5);
            UUID[] accounts = new UUID[ACCOUNTS];
            UUID[][] devices = new UUID[ACCOUNTS][DEVICES];
            randomIds(accounts, devices, rnd);
            Instant end = Instant.ofEpochMilli((System.currentTimeMillis() / 3_600_000L) * 3_600_000L);
            Instant start = end.minus(Duration.ofDays(30));
            long t0 = System.nanoTime();
            long rows = 0;
            // Shares of the rows: 60 % minute, 25 % five-minute, 15 % hour rows; distinct buckets per device.
            rows += load(db, "usage_1m", 60_000, (long) (target * 0.60), accounts, devices, start, end, rnd);
            rows += load(db, "usage_5m", 300_000, (long) (target * 0.25), accounts, devices, start, end, rnd);
            rows += load(db, "usage_60m", 3_600_000, target - rows, accounts, devices, start, end, rnd);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE usage_1m");
                s.execute("VACUUM ANALYZE usage_5m");
                s.execute("VACUUM ANALYZE usage_60m");
            }
            System.out.printf("loaded %d rollup rows with COPY in %.0f s%n", rows, (System.nanoTime() - t0) / 1e9);

            String keys = "[{\"kid\":\"q\",\"alg\":\"HS256\",\"secret\":\"cXVlcnktYmVuY2gta2V5LTAwMDAwMDAwMDAwMDAwMDAwMA\"}]";
            Map<String, String> env = new HashMap<>(Map.of("NUSCAPE_REDIS_URL", redis.url(), "NUSCAPE_JWT_KEYS", keys,
                    "NUSCAPE_LOG_LEVEL", "WARN", "NUSCAPE_DATABASE_URL", db.url(), "NUSCAPE_DATABASE_USER", "postgres",
                    "NUSCAPE_DATABASE_PASSWORD", "postgres"));
            TokenIssuer issuer = new TokenIssuer(KeySource.of(KeySet.parse(keys)), Optional.empty(), "nuscape", "nuscape");
            Duration[] ranges = {Duration.ofHours(1), Duration.ofHours(24), Duration.ofDays(7), Duration.ofDays(30)};
            // One read API key per account, made as the API makes them (stored as a hash), for the same queries with a key.
            Map<UUID, String> apiKeys = new HashMap<>();
            try (ConnectionPool pool = new ConnectionPool(db, 1, 5_000)) {
                ApiKeys maker = new ApiKeys(new PostgresApiKeyStore(pool), Runnable::run, java.time.Clock.systemUTC());
                for (UUID a : accounts) {
                    try (Connection c = db.connect(); PreparedStatement p = c.prepareStatement("INSERT INTO accounts (account_id, name) VALUES (?, 'bench')")) {
                        p.setObject(1, a);
                        p.executeUpdate();
                    }
                    apiKeys.put(a, maker.create(a, "bench", Set.of(Scope.READ), null, "system").secret());
                }
            }
            ScreenTimeDomain domain = ScreenTimeDomain.load(db, Math.min(1_000_000, target / 20), start, end, rnd);
            try (ApiHandler api = new ApiHandler(Settings.from(env))) {
                domain.time(api, issuer, end, 40, rnd); // warm-up
                Map<String, List<Long>> domainTimes = domain.time(api, issuer, end, queries, rnd);
                Timings warm = timeQueries(api, issuer, apiKeys, accounts, ranges, end, 40, rnd);
                Timings times = timeQueries(api, issuer, apiKeys, accounts, ranges, end, queries, rnd);
                List<Long> naive = naiveQueries(db, accounts, ranges, end, Math.max(8, queries / 20), rnd);
                times.token().sort(null);
                times.key().sort(null);
                naive.sort(null);
                System.out.printf("handler: %d queries (top and timeseries, ranges 1 h/24 h/7 d/30 d, warm-up %d), each asked with a fresh"
                        + " access token and with an API key, in alternating order%n", times.token().size(), warm.token().size());
                System.out.printf("naive:   %d queries, index scans off%n", naive.size());
                System.out.printf("query: p50_ms=%.1f p99_ms=%.1f naive_p99_ms=%.1f rows=%d%n",
                        pct(times.token(), 0.50), pct(times.token(), 0.99), pct(naive, 0.99), rows);
                System.out.printf("query with api key: p50_ms=%.2f p99_ms=%.2f token_p50_ms=%.2f token_p99_ms=%.2f key_minus_token_p50_ms=%.2f"
                        + " key_minus_token_p99_ms=%.2f%n", pct(times.key(), 0.50), pct(times.key(), 0.99), pct(times.token(), 0.50),
                        pct(times.token(), 0.99), pct(times.key(), 0.50) - pct(times.token(), 0.50), pct(times.key(), 0.99) - pct(times.token(), 0.99));
                StringBuilder line = new StringBuilder("categories and profiles (" + ScreenTimeDomain.RULES + " rules, " + ScreenTimeDomain.KEYS
                        + " keys, " + DEVICES + " devices a profile, 30 days):");
                domainTimes.forEach((name, t) -> {
                    t.sort(null);
                    line.append(String.format(" %s_p50_ms=%.1f %s_p99_ms=%.1f", name, pct(t, 0.50), name, pct(t, 0.99)));
                });
                System.out.println(line);
            }
        }
    }

    /**
     * Accounts as the issue's screen-time questions need them: 10 000 distinct keys each, 1 000 category
     * rules, and one profile holding all 50 devices; their questions: top by category, a category's top
     * keys and trend, a profile's top keys and trend, over 30 days.
     */
    record ScreenTimeDomain(UUID[] accounts, Map<UUID, UUID> profiles, Map<UUID, List<String>> categories) {
        static final int ACCOUNTS = 10;
        static final int KEYS = 10_000;
        static final int RULES = 1_000;

        static ScreenTimeDomain load(Database db, long rows, Instant start, Instant end, Random rnd) throws Exception {
            UUID[] accounts = new UUID[ACCOUNTS];
            UUID[][] devices = new UUID[ACCOUNTS][DEVICES];
            randomIds(accounts, devices, rnd);
            long t0 = System.nanoTime();
            // 70 % five-minute rows, 30 % hour rows: at a million rows an account holds 30 000 hour rows in 30 days, as the
            // others do, and no device has more rows than a table has buckets (the loader would wrap onto its own keys).
            long loaded = RollupLoader.copy(db.url(), db.user(), db.password(), "usage_5m", 300_000, (long) (rows * 0.7), accounts, devices, KEYS,
                    start, end, rnd);
            loaded += RollupLoader.copy(db.url(), db.user(), db.password(), "usage_60m", 3_600_000, rows - loaded, accounts, devices, KEYS,
                    start, end, rnd);
            Map<UUID, UUID> profiles = new HashMap<>();
            Map<UUID, List<String>> categories = new HashMap<>();
            try (Connection c = db.connect(); Statement s = c.createStatement(); ConnectionPool pool = new ConnectionPool(db, 1, 5_000)) {
                PostgresCategoryStore rules = new PostgresCategoryStore(pool);
                for (int a = 0; a < ACCOUNTS; a++) {
                    UUID profile = new UUID(rnd.nextLong(), rnd.nextLong());
                    s.execute("INSERT INTO accounts (account_id, name) VALUES ('" + accounts[a] + "', 'screen-time bench')");
                    s.execute("INSERT INTO profiles (profile_id, account_id, name, created_at) VALUES ('" + profile + "', '" + accounts[a]
                            + "', 'child', now())");
                    for (UUID d : devices[a]) {
                        s.execute("INSERT INTO devices (device_id, account_id, name, platform, profile_id) VALUES ('" + d + "', '" + accounts[a]
                                + "', 'd', 'android', '" + profile + "')");
                    }
                    profiles.put(accounts[a], profile);
                    // Presence of every device on every day of the 30 days (the worst case: every device in use each
                    // day), about half the cells set.
                    new Migrator(db).ensurePartitions(LocalDate.ofInstant(start, ZoneOffset.UTC), LocalDate.ofInstant(end, ZoneOffset.UTC));
                    s.execute("INSERT INTO usage_presence SELECT '" + accounts[a] + "', d, h, 'screen',"
                            + " ('x' || repeat(md5(d::text || h::text), 45))::bit(5760)"
                            + " FROM unnest('" + java.util.Arrays.toString(devices[a]).replace("[", "{").replace("]", "}") + "'::uuid[]) AS d,"
                            + " generate_series(date_trunc('day', '" + start + "'::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', '" + end
                            + "'::timestamptz, interval '1 day') AS h");
                    rules.replace(accounts[a], rules(), java.util.OptionalLong.empty(), io.nuscape.core.audit.Change.system(Instant.now()));
                    categories.put(accounts[a], List.of("c0", "c7", "c13", "uncategorized"));
                }
            }
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE usage_5m");
                s.execute("VACUUM ANALYZE usage_60m");
                s.execute("VACUUM ANALYZE usage_presence");
            }
            System.out.printf("screen-time accounts: %d rows with %d keys each, %d rules, presence of %d devices a profile every day,"
                    + " loaded in %.0f s%n", loaded, KEYS, RULES, DEVICES,
                    (System.nanoTime() - t0) / 1e9);
            return new ScreenTimeDomain(accounts, profiles, categories);
        }

        /** Every kind of match, in 20 categories; suffixes last, as the catch-alls they are. */
        static List<io.nuscape.core.category.CategoryRule> rules() {
            List<io.nuscape.core.category.CategoryRule> out = new ArrayList<>();
            for (int i = 0; i < RULES; i++) {
                String category = "c" + (i % 20);
                out.add(switch (i % 4) {
                    case 0 -> io.nuscape.core.category.CategoryRule.of(i, category, "app", "exact", "com.example.k" + (i * 7));
                    case 1 -> io.nuscape.core.category.CategoryRule.of(i, category, "app", "prefix", "com.example.k" + (100 + i));
                    case 2 -> io.nuscape.core.category.CategoryRule.of(i, category, "web", "domain", "example.k" + (i * 3));
                    default -> io.nuscape.core.category.CategoryRule.of(i, category, null, "suffix", String.valueOf(i % 97));
                });
            }
            return out;
        }

        Map<String, List<Long>> time(ApiHandler api, TokenIssuer issuer, Instant end, int n, Random rnd) {
            Map<String, List<Long>> out = new java.util.LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                UUID account = accounts[rnd.nextInt(accounts.length)];
                Instant to = end.minus(Duration.ofMinutes(rnd.nextInt(600)));
                String range = "from=" + to.minus(Duration.ofDays(30)) + "&to=" + to;
                String category = categories.get(account).get(rnd.nextInt(categories.get(account).size()));
                String profile = profiles.get(account).toString();
                String[][] questions = {
                        {"top_by_category", "/api/v1/usage/top", range + "&group_by=category"},
                        {"category_top", "/api/v1/usage/top", range + "&category=" + category},
                        {"category_trend", "/api/v1/usage/timeseries", range + "&step=60m&category=" + category},
                        {"profile_top", "/api/v1/usage/top", range + "&profile_id=" + profile},
                        {"profile_trend", "/api/v1/usage/timeseries", range + "&step=60m&profile_id=" + profile},
                        {"screen_time", "/api/v1/profiles/" + profile + "/screen-time", range + "&step=1d&tz=America/New_York"},
                        {"screen_time_kolkata", "/api/v1/profiles/" + profile + "/screen-time", range + "&step=1d&tz=Asia/Kolkata"},
                        // Issue 12's dashboard questions: 400 days by day in a zone (the data set holds the last 30 of them;
                        // Kolkata's days come from 5m rollups where kept, 60m before), a summary with its previous
                        // period, breakdowns.
                        {"days_400_new_york", "/api/v1/usage/timeseries", "from=" + to.minus(Duration.ofDays(400)) + "&to=" + to
                                + "&step=1d&tz=America/New_York"},
                        {"days_400_kolkata", "/api/v1/usage/timeseries", "from=" + to.minus(Duration.ofDays(400)) + "&to=" + to
                                + "&step=1d&tz=Asia/Kolkata"},
                        {"summary_previous", "/api/v1/usage/summary", range + "&compare=previous&tz=Europe/Paris"},
                        {"breakdown_device", "/api/v1/usage/breakdown", range + "&by=device"},
                        {"breakdown_category", "/api/v1/usage/breakdown", range + "&by=category"}};
                String token = issuer.issue(account, "bench", Set.of(Scope.READ), 0, Instant.now(), Duration.ofHours(1));
                for (String[] q : questions) {
                    Map<String, String> params = new HashMap<>();
                    for (String pair : q[2].split("&")) {
                        params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                    }
                    long t0 = System.nanoTime();
                    APIGatewayV2HTTPResponse r = api.handleRequest(APIGatewayV2HTTPEvent.builder().withRawPath(q[1]).withRawQueryString(query(params))
                            .withQueryStringParameters(params).withHeaders(Map.of("authorization", "Bearer " + token))
                            .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("q")
                                    .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(q[1]).build()).build())
                            .build(), null);
                    out.computeIfAbsent(q[0], k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1000);
                    if (r.getStatusCode() != 200) {
                        throw new IllegalStateException(q[1] + "?" + q[2] + " answered " + r.getStatusCode() + ": " + r.getBody());
                    }
                }
            }
            return out;
        }
    }

    /**
     * The raw query string as API Gateway sends it beside the parsed map: the container reads only the raw one
     * (an event with the map alone asks the default question: the last 24 hours).
     */
    static String query(Map<String, String> params) {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> b.append(b.isEmpty() ? "" : "&").append(k).append('=')
                .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        return b.toString();
    }

    /** Fills the arrays with ids from the seeded generator, so that every run asks about the same accounts. */
    static void randomIds(UUID[] accounts, UUID[][] devices, Random rnd) {
        for (int a = 0; a < accounts.length; a++) {
            accounts[a] = new UUID(rnd.nextLong(), rnd.nextLong());
            for (int d = 0; d < devices[a].length; d++) {
                devices[a][d] = new UUID(rnd.nextLong(), rnd.nextLong());
            }
        }
    }

    private static long load(Database db, String table, long step, long rows, UUID[] accounts, UUID[][] devices,
                             Instant start, Instant end, Random rnd) throws Exception {
        return RollupLoader.copy(db.url(), db.user(), db.password(), table, step, rows, accounts, devices, KEYS, start, end, rnd);
    }

    /** Microseconds per query with an access token and with an API key. */
    record Timings(List<Long> token, List<Long> key) {
    }

    private static Timings timeQueries(ApiHandler api, TokenIssuer issuer, Map<UUID, String> apiKeys, UUID[] accounts, Duration[] ranges,
                                       Instant end, int n, Random rnd) {
        Timings out = new Timings(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < n; i++) {
            UUID account = accounts[rnd.nextInt(accounts.length)];
            Duration range = ranges[i % ranges.length];
            Instant to = end.minus(Duration.ofMinutes(rnd.nextInt(600)));
            Instant from = to.minus(range);
            boolean top = (i / ranges.length) % 2 == 0;
            String path = top ? "/api/v1/usage/top" : "/api/v1/usage/timeseries";
            Map<String, String> params = new HashMap<>(Map.of("from", from.toString(), "to", to.toString()));
            if (!top && range.compareTo(Duration.ofDays(7)) >= 0) {
                params.put("step", "60m");
            }
            if (!top) {
                params.put("kind", "app");
            }
            String token = issuer.issue(account, "bench", Set.of(Scope.READ), 0, Instant.now(), Duration.ofHours(1));
            // Alternate which goes first, so that the second's warmer caches favour neither.
            boolean keyFirst = i % 2 == 1;
            for (int k = 0; k < 2; k++) {
                boolean withKey = (k == 0) == keyFirst;
                String bearer = withKey ? apiKeys.get(account) : token;
                long t0 = System.nanoTime();
                APIGatewayV2HTTPResponse r = api.handleRequest(APIGatewayV2HTTPEvent.builder().withRawPath(path).withRawQueryString(query(params))
                        .withQueryStringParameters(params).withHeaders(Map.of("authorization", "Bearer " + bearer))
                        .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("q")
                                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(path).build()).build())
                        .build(), null);
                (withKey ? out.key() : out.token()).add((System.nanoTime() - t0) / 1000);
                if (r.getStatusCode() != 200) {
                    throw new IllegalStateException(path + " " + params + " answered " + r.getStatusCode() + ": " + r.getBody());
                }
            }
        }
        return out;
    }

    /** The same questions answered by plain SQL on the table, with index scans off (sequential scans only). */
    private static List<Long> naiveQueries(Database db, UUID[] accounts, Duration[] ranges, Instant end, int n, Random rnd) throws Exception {
        List<Long> out = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET enable_indexscan = off");
            s.execute("SET enable_bitmapscan = off");
            s.execute("SET enable_indexonlyscan = off");
            for (int i = 0; i < n; i++) {
                Duration range = ranges[i % ranges.length];
                String table = range.compareTo(Duration.ofHours(6)) <= 0 ? "usage_1m" : range.compareTo(Duration.ofDays(14)) <= 0 ? "usage_5m" : "usage_60m";
                Instant to = end.minus(Duration.ofMinutes(rnd.nextInt(600)));
                try (PreparedStatement p = c.prepareStatement("SELECT key, sum(duration_ms) AS d, sum(events) FROM " + table
                        + " WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ? AND kind = 'app' GROUP BY key ORDER BY d DESC, key LIMIT 10")) {
                    p.setObject(1, accounts[rnd.nextInt(accounts.length)]);
                    p.setTimestamp(2, Timestamp.from(to.minus(range)));
                    p.setTimestamp(3, Timestamp.from(to));
                    long t0 = System.nanoTime();
                    try (ResultSet rs = p.executeQuery()) {
                        while (rs.next()) {
                            rs.getString(1);
                        }
                    }
                    out.add((System.nanoTime() - t0) / 1000);
                }
            }
        }
        return out;
    }

    private static double pct(List<Long> sortedMicros, double p) {
        return sortedMicros.get(Math.min(sortedMicros.size() - 1, (int) Math.ceil(sortedMicros.size() * p) - 1)) / 1000.0;
    }
}
