package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestPostgres;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web dashboard in a real browser: Debian's headless Chromium, driven through its chromedriver, against the
 * local runtime on embedded Postgres and Redis over real HTTP. Numbers on the page are compared with the API's
 * answers to the same questions; a screenshot of each view is saved under {@code target/screenshots}.
 * Access tokens live one minute here, so that silent renewal and the end of a session happen within the test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
    static final String ADMIN_EMAIL = "admin@browser.test";
    static final String ADMIN_PASSWORD = "correct horse battery";
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path dataDir;
    @TempDir
    static Path profileDir;
    static LocalRuntime runtime;
    static TestDatabase db;
    static ChromeDriver browser;
    static String base;
    static String adminToken;
    static UUID account;
    static UUID device;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(profileDir); // first: without a browser, fail before starting anything else
        db = TestPostgres.newDatabase("dashboard");
        Map<String, String> env = LocalRuntimeEndToEndTest.environment(db, "dashboard");
        env.put("NUSCAPE_ACCESS_TOKEN_MINUTES", "1");
        runtime = LocalRuntime.start(new LocalRuntime.Options(Path.of("../../template.yaml"), dataDir, 0, env, System.out));
        base = runtime.baseUrl();

        account = UUID.randomUUID();
        device = UUID.randomUUID();
        Enrollment.enroll(db, account, device);
        adminToken = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(account, "browser-test", Set.of(Scope.ADMIN, Scope.READ), 0, Instant.now(), Duration.ofHours(2));
        JsonNode invited = call("POST", "/api/v1/users", "{\"email\":\"" + ADMIN_EMAIL + "\",\"role\":\"admin\"}", 201);
        accept(invited.at("/invitation/url").asText(), ADMIN_PASSWORD);
        ingestKnownEvents();

        // On every page: keep every Content-Security-Policy violation (none may happen) and every request's timing.
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
                        + " performance.setResourceTimingBufferSize(100000);"));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    @Order(1)
    void signInAndTheOverviewShowsTheApisNumbers() throws Exception {
        browser.get(base + "/");
        waitFor(By.id("email")).sendKeys(ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys("not the password");
        browser.findElement(By.id("sign-in")).click();
        assertTrue(waitFor(By.cssSelector("[role=alert]")).getText().contains("password is wrong"), "a wrong password is said plainly");
        browser.findElement(By.id("password")).clear();
        browser.findElement(By.id("password")).sendKeys(ADMIN_PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        waitFor(By.id("total"));
        choose("UTC", "7d");

        LocalDate today = LocalDate.now(ZoneId.of("UTC"));
        Map<String, String> range = range(today.minusDays(6), today.plusDays(1), "UTC");
        assertOverviewMatches(range);
        screenshot("overview");

        browser.manage().window().setSize(new Dimension(390, 844)); // a phone
        browser.navigate().refresh();
        waitFor(By.id("total"));
        assertEquals(Boolean.FALSE, ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth"), "nothing wider than a phone's screen");
        screenshot("overview-phone");
        browser.manage().window().setSize(new Dimension(1280, 1000));
    }

    @Test
    @Order(2)
    void switchingZoneAndRangeAsksTheApiAgain() throws Exception {
        choose("Asia/Kolkata", "today");
        LocalDate today = LocalDate.now(ZoneId.of("Asia/Kolkata"));
        assertOverviewMatches(range(today, today.plusDays(1), "Asia/Kolkata"));
        assertTrue(browser.findElement(By.id("trend-h")).getText().contains("hour"), "one day is shown by hour");
        choose("America/New_York", "30d");
        LocalDate ny = LocalDate.now(ZoneId.of("America/New_York"));
        assertOverviewMatches(range(ny.minusDays(29), ny.plusDays(1), "America/New_York"));
        screenshot("overview-30-days-new-york");
    }

    @Test
    @Order(3)
    void profilesLimitsAndSettingsViews() throws Exception {
        JsonNode profile = call("POST", "/api/v1/profiles", "{\"name\":\"Sam\"}", 201);
        String profileId = profile.get("profile_id").asText();
        call("PATCH", "/api/v1/devices/" + device, "{\"profile_id\":\"" + profileId + "\"}", 200);
        JsonNode limit = call("POST", "/api/v1/limits", "{\"profile_id\":\"" + profileId + "\",\"target\":{\"kind\":\"app\",\"key\":\"com.example.chat\"},"
                + "\"daily_ms\":3600000,\"tz\":\"UTC\"}", 201);
        choose("UTC", "7d");

        go("#/profiles/" + profileId, By.id("combined"));
        LocalDate today = LocalDate.now(ZoneId.of("UTC"));
        Map<String, String> range = range(today.minusDays(6), today.plusDays(1), "UTC");
        JsonNode screen = call("GET", "/api/v1/profiles/" + profileId + "/screen-time?" + query(range) + "&step=1d", null, 200);
        long combined = 0;
        for (JsonNode p : screen.get("points")) {
            combined += p.get("combined_ms").asLong();
        }
        assertEquals(String.valueOf(combined), browser.findElement(By.id("combined")).getAttribute("data-ms"));
        assertTrue(combined > 0, "the screen events count");
        screenshot("profile");

        go("#/limits", By.id("limits"));
        JsonNode status = call("GET", "/api/v1/limits/" + limit.get("limit_id").asText() + "/status", null, 200);
        WebElement row = browser.findElement(By.cssSelector("tr[data-limit='" + limit.get("limit_id").asText() + "']"));
        assertEquals(status.get("used_ms").asText(), row.findElement(By.cssSelector("td[data-ms]")).getAttribute("data-ms"));
        assertTrue(row.getText().contains(status.get("state").asText()));
        screenshot("limits");

        go("#/settings", By.id("audit"));
        assertTrue(browser.findElement(By.id("users")).getText().contains(ADMIN_EMAIL));
        screenshot("settings");
    }

    @Test
    @Order(4)
    void enrollADeviceWithACodeIngestWithItsTokenThenEraseIt() throws Exception {
        go("#/devices", By.id("devices"));
        browser.findElement(By.id("enroll")).click();
        waitFor(By.id("make-code")).click();
        String code = waitFor(By.id("enroll-code")).getText();
        assertEquals(Boolean.TRUE, ((JavascriptExecutor) browser).executeScript(
                "const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0"), "the QR code is an image the browser drew");
        screenshot("enroll");

        JsonNode enrolled = Json.mapper().readTree(send("POST", "/api/v1/enroll", null,
                "{\"code\":\"" + code + "\",\"name\":\"Test tablet\",\"platform\":\"android\"}", 201));
        String deviceId = enrolled.get("device_id").asText();
        String token = enrolled.get("token").asText();
        send("POST", "/api/v1/events/batch", token, batch(List.of(event("app", "com.example.game", Instant.now().minusSeconds(60), 300_000))), 202);
        awaitApi(() -> {
            for (JsonNode d : call("GET", "/api/v1/devices", null, 200).get("devices")) {
                if (d.get("device_id").asText().equals(deviceId) && d.get("status").asText().equals("online")) {
                    return true;
                }
            }
            return false;
        });
        go("#/devices", By.cssSelector("tr[data-device='" + deviceId + "']"));
        assertTrue(browser.findElement(By.cssSelector("tr[data-device='" + deviceId + "']")).getText().contains("online"));
        screenshot("devices");

        browser.findElement(By.cssSelector("button[data-erase='" + deviceId + "']")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(ExpectedConditions.alertIsPresent()).accept();
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.invisibilityOfElementLocated(
                By.cssSelector("tr[data-device='" + deviceId + "']")));
        WebElement progress = waitFor(By.cssSelector("#erasures li[data-erasure]"));
        assertTrue(progress.getText().startsWith("Test tablet"), progress.getText());
        WebElement gone = browser.findElement(By.cssSelector("#erased li[data-device='" + deviceId + "']"));
        assertTrue(gone.getAttribute("textContent").contains("erased"), "an erased device is still listed as such, apart");
        screenshot("device-erasing");
        assertEquals(403, status("POST", "/api/v1/events/batch", token,
                batch(List.of(event("app", "com.example.game", Instant.now(), 1000)))), "the erased device's token stops working");
    }

    @Test
    @Order(5)
    void aViewerSeesNoAdminControls() throws Exception {
        JsonNode invited = call("POST", "/api/v1/users", "{\"email\":\"viewer@browser.test\",\"role\":\"viewer\"}", 201);
        String url = invited.at("/invitation/url").asText();
        browser.findElement(By.id("sign-out")).click();
        waitFor(By.id("email"));
        browser.get(base + "/" + url.substring(url.indexOf('#')));
        waitFor(By.id("new-password")).sendKeys("viewer password 123");
        browser.findElement(By.id("accept")).click();
        waitFor(By.id("total"));
        assertFalse(browser.getCurrentUrl().contains("invitation"), "the used invitation leaves the address bar and history");
        assertFalse(browser.findElement(By.cssSelector("a[data-view=settings]")).isDisplayed(), "no settings link");
        go("#/devices", By.id("devices"));
        assertTrue(browser.findElements(By.id("enroll")).isEmpty(), "no enroll button");
        assertTrue(browser.findElements(By.cssSelector("button[data-erase]")).isEmpty(), "no erase buttons");
        assertTrue(browser.findElements(By.cssSelector("#devices select")).isEmpty(), "no profile assignment");
        screenshot("viewer-devices");
        go("#/limits", By.id("limits"));
        assertTrue(browser.findElements(By.cssSelector("#limits button")).isEmpty(), "no limit deletion");
        browser.get(base + "/#/settings");
        assertTrue(waitFor(By.cssSelector(".error")).getText().contains("admins"));
        browser.findElement(By.id("sign-out")).click();
        waitFor(By.id("email"));
        browser.navigate().refresh();
        waitFor(By.id("email")); // signed out on the server too: a reload does not sign in again
    }

    @Test
    @Order(6)
    void aSessionRenewsSilentlyAndAsksToSignInWhenItCannot() throws Exception {
        browser.get(base + "/#/overview"); // signed out by the test before
        waitFor(By.id("email")).sendKeys(ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys(ADMIN_PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        waitFor(By.id("total"));
        // Tokens live a minute: the page renews at half-life, with the HttpOnly cookie it cannot read.
        long before = refreshes();
        new WebDriverWait(browser, Duration.ofSeconds(50)).until(d -> refreshes() > before);
        go("#/devices", By.id("devices"));
        assertTrue(browser.findElements(By.id("session-ended")).isEmpty());
        long asked = requestsTo("/api/v1/devices");

        // The session is gone (cookie expired, or cleared): every cookie, also the refresh cookie whose path is the
        // sessions route (WebDriver's own deletion sees only the cookies of the page's path).
        browser.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        WebElement ended = new WebDriverWait(browser, Duration.ofSeconds(50)).until(ExpectedConditions.visibilityOfElementLocated(By.id("session-ended")));
        assertTrue(ended.getText().contains("Sign in again"), ended.getText());
        assertTrue(requestsTo("/api/v1/devices") - asked <= 2, "the devices list refreshes every 30 s, no more: "
                + (requestsTo("/api/v1/devices") - asked) + " requests while waiting");
        assertNoPolicyViolations();
        screenshot("session-ended");
    }

    /** A new account's first admin is told how to enroll the first device, on the overview and on the devices view. */
    @Test
    @Order(7)
    void aNewAccountExplainsHowToEnrollItsFirstDevice() throws Exception {
        UUID fresh = UUID.randomUUID();
        try (var c = db.connect(); var s = c.createStatement()) {
            s.execute("INSERT INTO accounts (account_id, name) VALUES ('" + fresh + "', 'New account')");
        }
        String token = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(fresh, "browser-test-new", Set.of(Scope.ADMIN, Scope.READ), 0, Instant.now(), Duration.ofHours(1));
        JsonNode invited = Json.mapper().readTree(send("POST", "/api/v1/users", token, "{\"email\":\"new@browser.test\",\"role\":\"admin\"}", 201));
        accept(invited.at("/invitation/url").asText(), "a brand new password");
        browser.get(base + "/#/overview");
        waitFor(By.id("email")).sendKeys("new@browser.test");
        browser.findElement(By.id("password")).sendKeys("a brand new password");
        browser.findElement(By.id("sign-in")).click();
        WebElement empty = waitFor(By.id("empty"));
        assertTrue(empty.getText().contains("Enroll your first device"), empty.getText());
        assertEquals("0", browser.findElement(By.id("total")).getAttribute("data-ms"));
        assertFalse(browser.findElement(By.id("main")).getText().contains("undefined"), browser.findElement(By.id("main")).getText());
        screenshot("overview-new-account");
        go("#/devices", By.id("enroll"));
        assertTrue(browser.findElement(By.id("empty")).getText().contains("No devices yet"));
        assertNoPolicyViolations();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static void ingestKnownEvents() throws Exception {
        Instant now = Instant.now();
        List<String> events = new ArrayList<>();
        long[] hoursAgo = {1, 3, 26, 50, 200};
        for (long h : hoursAgo) {
            Instant at = now.minus(Duration.ofHours(h));
            events.add(event("app", "com.example.chat", at, 20 * 60_000));
            events.add(event("app", "com.example.video", at.plusSeconds(1200), 45 * 60_000 + h * 1000));
            events.add(event("web", "news.example.org", at, 15 * 60_000));
            events.add(event("screen", "on", at, 65 * 60_000));
        }
        String token = new TokenIssuer(runtime.keys(), Optional.empty(), "nuscape", "nuscape")
                .issue(account, device.toString(), Set.of(Scope.INGEST), 0, now, Duration.ofHours(1));
        send("POST", "/api/v1/events/batch", token, batch(events), 202);
        call("PUT", "/api/v1/categories", "{\"rules\":[{\"category\":\"social\",\"kind\":\"app\",\"match\":\"exact\",\"pattern\":\"com.example.chat\"},"
                + "{\"category\":\"video\",\"kind\":null,\"match\":\"suffix\",\"pattern\":\".video\"}]}", 200);
        awaitApi(() -> call("GET", "/api/v1/usage/summary?kind=screen&from=" + now.minus(Duration.ofDays(10)) + "&to=" + now.plusSeconds(60), null, 200)
                .get("events").asLong() == hoursAgo.length);
    }

    private static String event(String kind, String key, Instant at, long durationMs) {
        return "{\"event_id\":\"" + UUID.randomUUID() + "\",\"ts\":\"" + at + "\",\"kind\":\"" + kind + "\",\"key\":\"" + key
                + "\",\"duration_ms\":" + durationMs + "}";
    }

    private static String batch(List<String> events) {
        return "{\"batch_id\":\"" + UUID.randomUUID() + "\",\"events\":[" + String.join(",", events) + "]}";
    }

    /** What the overview shows must be what the API answers for the same range and zone, which the page asked for. */
    private void assertOverviewMatches(Map<String, String> range) throws Exception {
        String q = query(range);
        assertEquals(range.get("from") + " " + range.get("to") + " " + range.get("tz"), askedRange(), "the range the page computed in its zone");
        assertFalse(browser.findElements(By.cssSelector(".chart canvas")).isEmpty(), "the trend chart is drawn");
        String shown = browser.findElement(By.id("main")).getText();
        assertFalse(shown.contains("undefined") || shown.contains("null") || shown.contains("NaN"), shown);
        assertNoPolicyViolations();
        JsonNode summary = call("GET", "/api/v1/usage/summary?kind=app&compare=previous&" + q, null, 200);
        WebElement total = browser.findElement(By.id("total"));
        assertEquals(summary.get("duration_ms").asText(), total.getAttribute("data-ms"));
        assertEquals(duration(summary.get("duration_ms").asLong()), total.getText());
        JsonNode apps = call("GET", "/api/v1/usage/top?kind=app&limit=10&" + q, null, 200);
        assertBars("top-apps", apps.get("items"), "key");
        JsonNode sites = call("GET", "/api/v1/usage/top?kind=web&limit=10&" + q, null, 200);
        assertBars("top-sites", sites.get("items"), "key");
        JsonNode categories = call("GET", "/api/v1/usage/breakdown?by=category&kind=app&" + q, null, 200);
        assertBars("categories", categories.get("items"), "value");
    }

    private void assertBars(String id, JsonNode items, String name) {
        List<WebElement> shown = browser.findElements(By.cssSelector("#" + id + " li"));
        assertEquals(items.size(), shown.size(), id + ": " + items);
        for (int i = 0; i < items.size(); i++) {
            assertEquals(items.get(i).get(name).asText(), shown.get(i).getAttribute("data-key"), id);
            assertEquals(items.get(i).get("duration_ms").asText(), shown.get(i).getAttribute("data-ms"), id);
            assertTrue(shown.get(i).getText().contains(duration(items.get(i).get("duration_ms").asLong())), id + ": " + shown.get(i).getText());
        }
    }

    /** The page's own duration format (app.js duration()), to compare the text a person reads. */
    static String duration(long ms) {
        if (ms == 0) {
            return "0 min";
        }
        long min = Math.round(ms / 60000.0);
        if (min < 1) {
            return Math.max(1, Math.round(ms / 1000.0)) + " s";
        }
        long hours = min / 60;
        return hours > 0 ? hours + " h " + String.format("%02d", min % 60) + " min" : min + " min";
    }

    /** from, to and tz of the page's last summary request, as it sent them. */
    private String askedRange() {
        Object url = ((JavascriptExecutor) browser).executeScript(
                "const all = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/usage/summary'));"
                        + " return all.length ? all[all.length - 1].name : null");
        assertTrue(url != null, "the page asked for a summary");
        Map<String, String> p = new HashMap<>();
        for (String pair : URI.create(url.toString()).getRawQuery().split("&")) {
            p.put(pair.substring(0, pair.indexOf('=')), java.net.URLDecoder.decode(pair.substring(pair.indexOf('=') + 1), StandardCharsets.UTF_8));
        }
        return Instant.parse(p.get("from")) + " " + Instant.parse(p.get("to")) + " " + p.get("tz");
    }

    private void assertNoPolicyViolations() {
        Object v = ((JavascriptExecutor) browser).executeScript("return (window.__csp || []).join('; ')");
        assertEquals("", v, "Content-Security-Policy violations");
    }

    private long requestsTo(String path) {
        Object n = ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === arguments[0]).length", path);
        return Long.parseLong(String.valueOf(n));
    }

    private static Map<String, String> range(LocalDate first, LocalDate end, String tz) {
        ZoneId zone = ZoneId.of(tz);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("from", first.atStartOfDay(zone).toInstant().toString());
        out.put("to", end.atStartOfDay(zone).toInstant().toString());
        out.put("tz", tz);
        return out;
    }

    private static String query(Map<String, String> params) {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> b.append(b.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return b.toString();
    }

    /** Sets the zone and range controls of a usage view, then waits for the view to show each new answer. */
    private void choose(String tz, String range) {
        WebElement zone = browser.findElement(By.id("tz"));
        if (!tz.equals(zone.getAttribute("value"))) {
            String before = browser.findElement(By.id("main")).getAttribute("data-rendered");
            ((JavascriptExecutor) browser).executeScript("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", zone, tz);
            waitRendered(before);
        }
        Select pick = new Select(browser.findElement(By.id("range")));
        if (!range.equals(pick.getFirstSelectedOption().getAttribute("value"))) {
            String before = browser.findElement(By.id("main")).getAttribute("data-rendered");
            pick.selectByValue(range);
            waitRendered(before);
        }
    }

    private void waitRendered(String before) {
        until(Duration.ofSeconds(10), "the overview to show the new answer", d -> {
            String now = d.findElement(By.id("main")).getAttribute("data-rendered");
            return now != null && !now.equals(before) && !d.findElements(By.id("total")).isEmpty();
        });
    }

    /** Waits, and on a timeout says what the page showed instead (and keeps a screenshot of it). */
    private <T> T until(Duration limit, String what, java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
        try {
            return new WebDriverWait(browser, limit).until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            try {
                screenshot("failed-" + what.replaceAll("[^a-z]+", "-"));
            } catch (Exception ignored) {
                // the screenshot is a courtesy; the assertion below says what failed
            }
            throw new AssertionError("waited " + limit.toSeconds() + " s for " + what + "; the page at " + browser.getCurrentUrl()
                    + " shows: " + browser.findElement(By.tagName("body")).getText());
        }
    }

    private void go(String hash, By ready) {
        if (browser.getCurrentUrl().endsWith(hash)) {
            browser.navigate().refresh(); // the same address is no navigation: load the page again (the session survives)
        } else {
            browser.get(base + "/" + hash);
        }
        waitFor(ready);
    }

    private WebElement waitFor(By what) {
        return until(Duration.ofSeconds(20), what.toString(), ExpectedConditions.visibilityOfElementLocated(what));
    }

    private long refreshes() {
        Object v = ((JavascriptExecutor) browser).executeScript("return document.body.dataset.refreshes || '0'");
        return Long.parseLong(String.valueOf(v));
    }

    private void screenshot(String name) throws Exception {
        Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitApi(Check check) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!check.ok()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the API did not show the ingested events within 30 s");
            }
            Thread.sleep(200);
        }
    }

    private static void accept(String invitationUrl, String password) throws Exception {
        String token = invitationUrl.substring(invitationUrl.indexOf("#invitation=") + "#invitation=".length());
        send("POST", "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"" + password + "\"}", 201);
    }

    private static JsonNode call(String method, String path, String body, int expected) throws Exception {
        return Json.mapper().readTree(send(method, path, adminToken, body, expected));
    }

    private static String send(String method, String path, String bearer, String body, int expected) throws Exception {
        HttpResponse<String> r = exchange(method, path, bearer, body);
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return r.body();
    }

    private static int status(String method, String path, String bearer, String body) throws Exception {
        return exchange(method, path, bearer, body).statusCode();
    }

    private static HttpResponse<String> exchange(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
