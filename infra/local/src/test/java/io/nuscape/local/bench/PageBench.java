package io.nuscape.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.local.LocalRuntime;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.RollupLoader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code scripts/bench page}: the dashboard in headless Chromium against the local stack (durable embedded
 * Postgres) holding 30 days of 50 devices. For each view, the time from asking for it to its data on the page
 * (the page's own measure: route start to render), beside the slowest of the API requests that view makes,
 * asked directly over HTTP in the same run (the floor a page cannot beat), and their ratio. Also the first
 * load (navigation start to the overview on the page) and the bytes a first load transfers, gzipped.
 */
public final class PageBench {
    static final int DEVICES = 50;

    record View(String name, String hash, List<String> apiPaths) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path dataDir = Files.createTempDirectory("nuscape-page");
        Map<String, String> env = new HashMap<>(Map.of("NUSCAPE_LOG_LEVEL", "WARN"));
        Path root = Path.of(System.getenv().getOrDefault("NUSCAPE_HOME", ".")).toAbsolutePath();
        try (LocalRuntime runtime = LocalRuntime.start(new LocalRuntime.Options(root.resolve("template.yaml"), dataDir, 0, env, System.out))) {
            String base = runtime.baseUrl();
            UUID account = UUID.randomUUID();
            UUID[][] devices = {new UUID[DEVICES]};
            Map<UUID, UUID> accountOf = new HashMap<>();
            for (int d = 0; d < DEVICES; d++) {
                devices[0][d] = UUID.randomUUID();
                accountOf.put(devices[0][d], account);
            }
            Instant end = Instant.now();
            Instant start = end.minus(Duration.ofDays(30));
            Random rnd = new Random(12);
            var db = runtime.database();
            long t0 = System.nanoTime();
            new Migrator(db).ensurePartitions(LocalDate.ofInstant(start, ZoneOffset.UTC), LocalDate.ofInstant(end, ZoneOffset.UTC));
            long rows = 0;
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO accounts (account_id, name) VALUES ('" + account + "', 'page bench')");
                Enrollment.enroll(c, accountOf);
                // Every device in use every day of the 30: 1 minute rows for the 14 days they are kept, 5 minute rows for
                // 30 days, hour rows for 30 days (one device, one key a bucket: 300 keys in all).
                UUID[] accounts = {account};
                rows += RollupLoader.copy(db.url(), db.user(), db.password(), "usage_1m", 60_000, 400_000, accounts, devices, 300,
                        end.minus(Duration.ofDays(14)), end, rnd);
                rows += RollupLoader.copy(db.url(), db.user(), db.password(), "usage_5m", 300_000, 300_000, accounts, devices, 300, start, end, rnd);
                rows += RollupLoader.copy(db.url(), db.user(), db.password(), "usage_60m", 3_600_000, 36_000, accounts, devices, 300, start, end, rnd);
                s.execute("INSERT INTO usage_presence SELECT '" + account + "', d, h, 'screen', ('x' || repeat(md5(d::text || h::text), 45))::bit(5760)"
                        + " FROM unnest('" + Arrays.toString(devices[0]).replace("[", "{").replace("]", "}") + "'::uuid[]) AS d,"
                        + " generate_series(date_trunc('day', '" + start + "'::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', '" + end
                        + "'::timestamptz, interval '1 day') AS h");
                s.execute("VACUUM ANALYZE");
            }
            System.out.printf("bench page: %d rollup rows and presence for %d devices over 30 days, loaded in %.0f s%n", rows, DEVICES,
                    (System.nanoTime() - t0) / 1e9);

            String admin = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                    .issue(account, "page-bench", Set.of(Scope.ADMIN, Scope.READ), 0, Instant.now(), Duration.ofHours(2));
            HttpClient http = HttpClient.newHttpClient();
            JsonNode starter = Json.mapper().readTree(call(http, base, admin, "GET", "/api/v1/categories/starter", null));
            call(http, base, admin, "PUT", "/api/v1/categories", "{\"rules\":" + starter.get("rules") + "}");
            String profile = Json.mapper().readTree(call(http, base, admin, "POST", "/api/v1/profiles", "{\"name\":\"Family\"}")).get("profile_id").asText();
            for (int d = 0; d < 10; d++) {
                call(http, base, admin, "PATCH", "/api/v1/devices/" + devices[0][d], "{\"profile_id\":\"" + profile + "\"}");
            }
            for (int i = 0; i < 5; i++) {
                call(http, base, admin, "POST", "/api/v1/limits", "{\"device_id\":\"" + devices[0][i] + "\",\"target\":{\"all\":true},\"daily_ms\":7200000,"
                        + "\"tz\":\"Europe/Paris\"}");
            }
            String invitation = Json.mapper().readTree(call(http, base, admin, "POST", "/api/v1/users", "{\"email\":\"bench@page.test\",\"role\":\"admin\"}"))
                    .at("/invitation/url").asText();
            call(http, base, null, "POST", "/api/v1/invitations/" + invitation.substring(invitation.indexOf('=') + 1) + "/accept",
                    "{\"password\":\"page bench password\"}");

            String tz = "Europe/Paris";
            LocalDate today = LocalDate.now(ZoneId.of(tz));
            String days30 = range(today.minusDays(29), today.plusDays(1), tz);
            String device = devices[0][0].toString();
            // In this order, the first never being the overview the page shows after sign-in: each view is a new address.
            List<View> views = List.of(
                    new View("devices", "#/devices", List.of("/api/v1/devices", "/api/v1/profiles")),
                    new View("limits", "#/limits", List.of("/api/v1/limits", "/api/v1/profiles", "/api/v1/devices")),
                    new View("settings", "#/settings", List.of("/api/v1/policy", "/api/v1/categories", "/api/v1/users", "/api/v1/api-keys",
                            "/api/v1/webhooks", "/api/v1/audit?limit=100&from=" + enc(Instant.now().minus(Duration.ofDays(7)).toString()))),
                    new View("overview_30d", "#/overview", overviewCalls(days30, "1d", "")),
                    new View("device_30d", "#/devices/" + device, withList(overviewCalls(days30, "1d", "&device_id=" + device), "/api/v1/devices")),
                    new View("profile_30d", "#/profiles/" + profile, withList(overviewCalls(days30, "1d", "&profile_id=" + profile), "/api/v1/profiles",
                            "/api/v1/profiles/" + profile + "/screen-time?" + days30 + "&step=1d")));

            ChromeDriver browser = io.nuscape.local.HeadlessChromium.start(Files.createTempDirectory("nuscape-page-chromium"));
            try {
                browser.get(base + "/#/overview");
                new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.id("email")))
                        .sendKeys("bench@page.test");
                browser.findElement(By.id("password")).sendKeys("page bench password");
                browser.findElement(By.id("sign-in")).click();
                // The viewer's zone and range, as a person in Paris who looked at 30 days last time.
                browser.executeScript("localStorage.setItem('nuscape.tz', 'Europe/Paris'); localStorage.setItem('nuscape.range', '30d')");
                rendered(browser, null);

                List<Long> firstLoads = new ArrayList<>();
                for (int i = 0; i < Math.max(3, rounds / 2); i++) {
                    browser.navigate().refresh();
                    rendered(browser, null);
                    firstLoads.add(Long.parseLong(attr(browser, "sinceLoadMs")));
                }
                Map<String, List<Long>> page = new LinkedHashMap<>();
                Map<String, List<Long>> floor = new LinkedHashMap<>();
                for (int r = 0; r < rounds; r++) {
                    for (View v : views) {
                        String before = attr(browser, "rendered");
                        browser.executeScript("location.hash = arguments[0]", v.hash()); // views in turn: never the same twice in a row
                        rendered(browser, before);
                        page.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(Long.parseLong(attr(browser, "renderMs")));
                        floor.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(slowestOf(http, base, admin, v.apiPaths()));
                    }
                }
                firstLoads.sort(null);
                long worst = 0;
                String worstName = "";
                for (View v : views) {
                    List<Long> p = page.get(v.name());
                    List<Long> f = floor.get(v.name());
                    p.sort(null);
                    f.sort(null);
                    System.out.printf("  %-13s p50 %4d ms  max %4d ms   its slowest API request alone: p50 %4d ms  ratio %.2f%n", v.name(),
                            p.get(p.size() / 2), p.get(p.size() - 1), f.get(f.size() / 2), (double) p.get(p.size() / 2) / Math.max(1, f.get(f.size() / 2)));
                    if (p.get(p.size() - 1) > worst) {
                        worst = p.get(p.size() - 1);
                        worstName = v.name();
                    }
                }
                long bytes = firstLoadBytes(http, base);
                System.out.printf("page: first_load_gzip_kb=%.1f first_load_ms=%d slowest_view=%s slowest_view_max_ms=%d%n", bytes / 1024.0,
                        firstLoads.get(firstLoads.size() / 2), worstName, worst);
            } finally {
                browser.quit();
            }
        }
    }

    static List<String> overviewCalls(String range, String step, String scope) {
        return List.of("/api/v1/usage/summary?kind=app&compare=previous&limit=10&" + range + scope,
                "/api/v1/usage/timeseries?kind=app&step=" + step + "&" + range + scope,
                "/api/v1/usage/top?kind=app&limit=10&" + range + scope,
                "/api/v1/usage/top?kind=web&limit=10&" + range + scope,
                "/api/v1/usage/breakdown?by=category&kind=app&" + range + scope);
    }

    static List<String> withList(List<String> calls, String... more) {
        List<String> out = new ArrayList<>(calls);
        out.addAll(List.of(more));
        return out;
    }

    static String range(LocalDate first, LocalDate end, String tz) {
        ZoneId zone = ZoneId.of(tz);
        return "from=" + enc(first.atStartOfDay(zone).toInstant().toString()) + "&to=" + enc(end.atStartOfDay(zone).toInstant().toString())
                + "&tz=" + enc(tz);
    }

    static String enc(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    /** The view's requests sent together, as the page sends them: the slowest answer is what the page must wait for. */
    static long slowestOf(HttpClient http, String base, String token, List<String> paths) {
        List<CompletableFuture<Long>> all = new ArrayList<>();
        for (String p : paths) {
            long t0 = System.nanoTime();
            all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + p)).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(p + " answered " + r.statusCode() + ": " + r.body());
                        }
                        return (System.nanoTime() - t0) / 1_000_000;
                    }));
        }
        return all.stream().mapToLong(CompletableFuture::join).max().orElse(0);
    }

    static long firstLoadBytes(HttpClient http, String base) throws Exception {
        long total = 0;
        for (String p : List.of("/", "/assets/app.js", "/assets/app.css", "/assets/uPlot.min.js", "/assets/uPlot.min.css")) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + p)).header("Accept-Encoding", "gzip").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (!"gzip".equals(r.headers().firstValue("Content-Encoding").orElse(""))) {
                var gz = new java.io.ByteArrayOutputStream();
                try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                    out.write(r.body());
                }
                throw new IllegalStateException(p + " was not sent gzipped (" + r.body().length + " bytes, " + gz.size() + " gzipped)");
            }
            total += r.body().length;
        }
        return total;
    }

    static void rendered(ChromeDriver browser, String before) {
        try {
            new WebDriverWait(browser, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(20)).until(d -> {
                String now = attr(browser, "rendered");
                return now != null && !now.equals(before);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new IllegalStateException("the view at " + browser.getCurrentUrl() + " did not render in 30 s; it shows: "
                    + browser.findElement(By.tagName("main")).getText(), e);
        }
    }

    static String attr(ChromeDriver browser, String name) {
        Object v = ((JavascriptExecutor) browser).executeScript("return document.getElementById('main').dataset[arguments[0]] || null", name);
        return v == null ? null : v.toString();
    }

    static String call(HttpClient http, String base, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
