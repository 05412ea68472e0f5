package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.ingest.IngestFunction;
import io.nuscape.ingest.IngestHandler;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.MovableClock;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestPostgres;
import io.nuscape.testkit.TestRedis;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * People, sessions and keys (CONTRACT.md) through the Lambda handler on real Postgres and Redis: invitations,
 * sign-in and its throttle, refresh rotation and reuse detection, the cookie, roles and the last admin, API
 * keys, enrollment codes, device self-renewal and the audit log. Expiries are reached by moving the API's
 * clock, never by sleeping.
 */
class PeopleTest {
    static final TestKeys.Key KEY = TestKeys.hs256("people-test");
    static final String PASSWORD = "correct horse battery";
    static final MovableClock CLOCK = new MovableClock(Instant.now());
    static final AtomicInteger ADDRESSES = new AtomicInteger(1);
    static TestDatabase db;
    static Map<String, String> env;
    static ApiHandler api;
    static IngestHandler ingest;
    static TokenIssuer issuer;

    @BeforeAll
    static void start() throws Exception {
        db = TestPostgres.newDatabase("people");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        env = ApiEnvironment.of(db, "people", KEY);
        env.put("NUSCAPE_SIGNIN_FAILURES_PER_ADDRESS", "12");
        // A light hash keeps the suite fast; the production cost is measured by scripts/bench signin.
        env.put("NUSCAPE_ARGON2_MEMORY_KIB", "1024");
        Settings settings = Settings.from(env);
        KeySource keys = KeySource.of(KeySet.parse(TestKeys.keySet(KEY)));
        api = new ApiHandler(new ApiFunction(settings, keys, apiDatabase(), CLOCK));
        ingest = new IngestHandler(new IngestFunction(settings));
        issuer = new TokenIssuer(keys, Optional.empty(), "nuscape", "nuscape");
    }

    /** The database as the API's role, as the environment names it. */
    static Database apiDatabase() {
        return new Database(env.get("NUSCAPE_DATABASE_URL"), env.get("NUSCAPE_DATABASE_USER"), env.get("NUSCAPE_DATABASE_PASSWORD"));
    }

    @AfterAll
    static void stop() {
        api.close();
        ingest.close();
    }

    // ------------------------------------------------------------------ requests

    /** One request as API Gateway sends it: headers lower-case, cookies apart, the client's address in the context. */
    record Call(String method, String path, String bearer, String body, String address, List<String> cookies, Map<String, String> headers) {
        static Call of(String method, String path) {
            return new Call(method, path, null, null, "198.51.100.1", null, Map.of("host", "api.example.com"));
        }

        Call bearer(String token) {
            return new Call(method, path, token, body, address, cookies, headers);
        }

        Call body(String json) {
            return new Call(method, path, bearer, json, address, cookies, headers);
        }

        Call from(String ip) {
            return new Call(method, path, bearer, body, ip, cookies, headers);
        }

        Call cookie(String cookie) {
            return new Call(method, path, bearer, body, address, cookie == null ? null : List.of(cookie), headers);
        }

        Call header(String name, String value) {
            Map<String, String> h = new HashMap<>(headers);
            h.put(name, value);
            return new Call(method, path, bearer, body, address, cookies, h);
        }

        APIGatewayV2HTTPResponse send() {
            Map<String, String> h = new HashMap<>(headers);
            h.put("content-type", "application/json");
            if (bearer != null) {
                h.put("authorization", "Bearer " + bearer);
            }
            String rawPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
            APIGatewayV2HTTPEvent e = APIGatewayV2HTTPEvent.builder()
                    .withRouteKey(method + " " + rawPath).withRawPath(rawPath).withRawQueryString(query).withHeaders(h).withBody(body)
                    .withCookies(cookies)
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId(UUID.randomUUID().toString())
                            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(rawPath)
                                    .withSourceIp(address).build()).build())
                    .build();
            return rawPath.equals("/api/v1/events/batch") ? ingest.handleRequest(e, null) : api.handleRequest(e, null);
        }
    }

    static APIGatewayV2HTTPResponse send(String method, String path, String bearer, String body) {
        return Call.of(method, path).bearer(bearer).body(body).send();
    }

    static JsonNode json(APIGatewayV2HTTPResponse r) {
        try {
            return Json.mapper().readTree(r.getBody());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.getBody());
        }
    }

    static JsonNode ok(APIGatewayV2HTTPResponse r, int status) {
        assertEquals(status, r.getStatusCode(), r.getBody());
        return r.getBody() == null || r.getBody().isEmpty() ? null : json(r);
    }

    static void assertError(APIGatewayV2HTTPResponse r, int status, String code) {
        assertEquals(status, r.getStatusCode(), r.getBody());
        assertEquals(code, json(r).get("error").asText(), r.getBody());
        assertFalse(json(r).get("message").asText().isBlank());
    }

    static String operator() {
        return issuer.issue(new UUID(0, 0), "ops", Set.of(Scope.OPERATOR), 0, CLOCK.instant(), Duration.ofHours(1));
    }

    /** A fresh address for each test, so that the per-address throttle of one test never meets another's. */
    static String address() {
        return "203.0.113." + ADDRESSES.getAndIncrement();
    }

    /** The refresh cookie's value from an answer's Set-Cookie. */
    static String refreshCookie(APIGatewayV2HTTPResponse r) {
        String set = setCookie(r);
        return set.substring(0, set.indexOf(';'));
    }

    static String setCookie(APIGatewayV2HTTPResponse r) {
        assertNotNull(r.getCookies(), "no Set-Cookie: " + r.getBody());
        assertEquals(1, r.getCookies().size());
        assertTrue(r.getCookies().get(0).startsWith("nuscape_refresh="), r.getCookies().get(0));
        return r.getCookies().get(0);
    }

    static String invitationToken(JsonNode invitation) {
        String url = invitation.get("url").asText();
        assertTrue(url.contains("/#invitation="), url);
        return url.substring(url.indexOf("#invitation=") + "#invitation=".length());
    }

    /** A new account whose first admin accepted the operator's invitation: [account, admin access token, refresh cookie]. */
    record Account(UUID id, String adminEmail, String adminToken, String cookie) {
    }

    static Account account(String name) {
        String email = name.toLowerCase() + "-" + UUID.randomUUID() + "@example.com";
        JsonNode created = ok(send("POST", "/api/v1/accounts", operator(), "{\"name\":\"" + name + "\",\"admin_email\":\"" + email + "\"}"), 201);
        APIGatewayV2HTTPResponse accepted = send("POST", "/api/v1/invitations/" + invitationToken(created.get("invitation")) + "/accept", null,
                "{\"password\":\"" + PASSWORD + "\"}");
        JsonNode body = ok(accepted, 201);
        return new Account(UUID.fromString(created.get("account_id").asText()), email, body.get("access_token").asText(), refreshCookie(accepted));
    }

    /** Invites a user and accepts: [user id, access token]. */
    static String[] member(Account a, String role) {
        String email = role + "-" + UUID.randomUUID() + "@example.com";
        JsonNode invited = ok(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"" + role + "\"}"), 201);
        JsonNode accepted = ok(send("POST", "/api/v1/invitations/" + invitationToken(invited.get("invitation")) + "/accept", null,
                "{\"password\":\"" + PASSWORD + "\"}"), 201);
        return new String[] {invited.get("user_id").asText(), accepted.get("access_token").asText(), email};
    }

    static APIGatewayV2HTTPResponse signIn(String email, String password, String address) {
        return Call.of("POST", "/api/v1/sessions").from(address).body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}").send();
    }

    static List<String> auditActions(Account a) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : ok(send("GET", "/api/v1/audit?limit=1000", a.adminToken(), null), 200).get("entries")) {
            out.add(e.get("action").asText());
        }
        return out;
    }

    // ------------------------------------------------------------------ invitations and sign-in

    @Test
    void theOperatorsInvitationMakesTheFirstAdminWhoSignsInWithACookieOnlyTheSessionsPathSees() {
        String email = "Owner-" + UUID.randomUUID() + "@Example.com";
        JsonNode created = ok(send("POST", "/api/v1/accounts", operator(), "{\"name\":\"Acme\",\"admin_email\":\"" + email + "\"}"), 201);
        JsonNode invitation = created.get("invitation");
        assertTrue(invitation.get("url").asText().startsWith("https://api.example.com/#invitation="), invitation.toString());
        assertEquals(CLOCK.instant().plus(Duration.ofDays(7)), Instant.parse(invitation.get("expires_at").asText()));
        String token = invitationToken(invitation);
        assertTrue(token.length() >= 43, "256 random bits");

        assertError(send("POST", "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"short\"}"), 400, "invalid_request");
        assertError(send("POST", "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"aaaaaaaaaaaaaaaa\"}"), 400, "invalid_request");
        APIGatewayV2HTTPResponse accepted = send("POST", "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"" + PASSWORD + "\"}");
        JsonNode body = ok(accepted, 201);
        assertEquals(email.toLowerCase(), body.get("user").get("email").asText());
        assertEquals("admin", body.get("user").get("role").asText());
        assertEquals(created.get("account_id").asText(), body.get("user").get("account_id").asText());
        assertEquals(CLOCK.instant().plus(Duration.ofMinutes(15)), Instant.parse(body.get("expires_at").asText()));
        String cookie = setCookie(accepted);
        assertTrue(cookie.contains("; Path=/api/v1/sessions;"), cookie);
        assertTrue(cookie.contains("; HttpOnly"), cookie);
        assertTrue(cookie.contains("; Secure"), cookie);
        assertTrue(cookie.contains("; SameSite=Strict"), cookie);
        assertTrue(cookie.contains("; Max-Age=" + Duration.ofDays(30).toSeconds() + ";"), cookie);
        assertEquals("no-store", accepted.getHeaders().get("Cache-Control"));

        assertError(send("POST", "/api/v1/invitations/" + token + "/accept", null, "{\"password\":\"" + PASSWORD + "\"}"), 409, "conflict");
        assertError(send("POST", "/api/v1/invitations/not-a-token/accept", null, "{\"password\":\"" + PASSWORD + "\"}"), 404, "not_found");
        JsonNode users = ok(send("GET", "/api/v1/users", body.get("access_token").asText(), null), 200).get("users");
        assertEquals(1, users.size());
        assertEquals("active", users.get(0).get("status").asText());
        ok(signIn(email.toUpperCase(), PASSWORD, address()), 201);
        // The email is taken now, in this account and any other.
        assertError(send("POST", "/api/v1/accounts", operator(), "{\"name\":\"Other\",\"admin_email\":\"" + email + "\"}"), 409, "conflict");
        assertError(send("POST", "/api/v1/accounts", operator(), "{\"name\":\"Other\",\"admin_email\":\"not an email\"}"), 400, "invalid_request");
    }

    @Test
    void anInvitationExpiresAfterSevenDaysAndAnInvitedUserCannotSignInBeforeAccepting() {
        Account a = account("Expiry");
        String email = "late-" + UUID.randomUUID() + "@example.com";
        JsonNode invited = ok(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"viewer\"}"), 201);
        for (JsonNode u : ok(send("GET", "/api/v1/users", a.adminToken(), null), 200).get("users")) {
            assertEquals(u.get("email").asText().equals(email) ? "invited" : "active", u.get("status").asText());
        }
        assertError(signIn(email, PASSWORD, address()), 401, "invalid_credentials");
        Instant was = CLOCK.instant();
        CLOCK.advance(Duration.ofDays(7).plusSeconds(1));
        try {
            APIGatewayV2HTTPResponse late = send("POST", "/api/v1/invitations/" + invitationToken(invited.get("invitation")) + "/accept", null,
                    "{\"password\":\"" + PASSWORD + "\"}");
            assertError(late, 400, "invalid_request");
            assertTrue(json(late).get("message").asText().contains("expired"));
        } finally {
            CLOCK.set(was.plusMillis(1));
        }
    }

    @Test
    void aWrongEmailAndAWrongPasswordAnswerAlike() {
        Account a = account("Alike");
        APIGatewayV2HTTPResponse wrongPassword = signIn(a.adminEmail(), "wrong password here", address());
        APIGatewayV2HTTPResponse unknownEmail = signIn("nobody-" + UUID.randomUUID() + "@example.com", "wrong password here", address());
        assertError(wrongPassword, 401, "invalid_credentials");
        assertEquals(wrongPassword.getStatusCode(), unknownEmail.getStatusCode());
        assertEquals(wrongPassword.getBody(), unknownEmail.getBody());
        assertEquals(wrongPassword.getHeaders(), unknownEmail.getHeaders());
        assertNull(wrongPassword.getCookies());
        assertError(Call.of("POST", "/api/v1/sessions").body("{\"email\":\"x@example.com\"}").send(), 400, "invalid_request");
    }

    @Test
    void failedSignInsAreThrottledPerEmailAndPerAddress() {
        Account a = account("Throttle");
        String here = address();
        for (int i = 0; i < 5; i++) {
            assertError(signIn(a.adminEmail(), "wrong password " + i, here), 401, "invalid_credentials");
        }
        APIGatewayV2HTTPResponse blocked = signIn(a.adminEmail(), PASSWORD, address());
        assertError(blocked, 429, "rate_limited");
        long retry = Long.parseLong(blocked.getHeaders().get("Retry-After"));
        assertTrue(retry > 0 && retry <= 900, "the rest of the 15-minute window: " + retry);

        // One address guessing across many emails is stopped at its own limit (12 here).
        String guesser = address();
        for (int i = 0; i < 12; i++) {
            assertError(signIn("victim-" + i + "-" + UUID.randomUUID() + "@example.com", "guess", guesser), 401, "invalid_credentials");
        }
        Account b = account("Bystander");
        assertError(signIn(b.adminEmail(), PASSWORD, guesser), 429, "rate_limited");
        ok(signIn(b.adminEmail(), PASSWORD, address()), 201);
    }

    // ------------------------------------------------------------------ sessions

    @Test
    void aRefreshRotatesTheCookieAndATokenUsedTwiceEndsTheWholeSession() {
        Account a = account("Refresh");
        APIGatewayV2HTTPResponse first = Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send();
        JsonNode body = ok(first, 200);
        String second = refreshCookie(first);
        assertNotEquals(a.cookie(), second);
        ok(send("GET", "/api/v1/users", body.get("access_token").asText(), null), 200);
        APIGatewayV2HTTPResponse third = Call.of("POST", "/api/v1/sessions/refresh").cookie(second).send();
        ok(third, 200);

        // The first cookie again (a stolen copy): the session ends, for the thief and the owner alike.
        APIGatewayV2HTTPResponse reused = Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send();
        assertError(reused, 401, "invalid_token");
        assertTrue(setCookie(reused).contains("Max-Age=0"), "the useless cookie is dropped");
        assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(refreshCookie(third)).send(), 401, "invalid_token");
        assertTrue(auditActions(a).contains("session.reuse_detected"));
        assertError(Call.of("POST", "/api/v1/sessions/refresh").send(), 401, "invalid_token");
    }

    /**
     * The contract's rule has no grace: a refresh token presented a second time ends the session even at once and
     * even when the token issued for it was never used (its answer lost on the way): the server cannot tell that
     * from a stolen copy. (The dashboard never sends one cookie from two tabs at once: it renews under a Web Lock.)
     */
    @Test
    void aRefreshTokenPresentedAgainAtOnceStillEndsTheSession() {
        Account a = account("LostAnswer");
        APIGatewayV2HTTPResponse lost = Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send();
        ok(lost, 200); // its answer never arrives
        assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send(), 401, "invalid_token");
        assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(refreshCookie(lost)).send(), 401, "invalid_token");
        assertTrue(auditActions(a).contains("session.reuse_detected"));
    }

    @Test
    void signingOutEndsTheSessionAndClearsTheCookie() {
        Account a = account("SignOut");
        APIGatewayV2HTTPResponse out = Call.of("DELETE", "/api/v1/sessions/current").cookie(a.cookie()).send();
        assertEquals(204, out.getStatusCode(), out.getBody());
        assertTrue(setCookie(out).startsWith("nuscape_refresh=; Path=/api/v1/sessions; Max-Age=0"), setCookie(out));
        assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send(), 401, "invalid_token");
        assertEquals(204, Call.of("DELETE", "/api/v1/sessions/current").cookie(a.cookie()).send().getStatusCode(), "twice is fine");
        assertTrue(auditActions(a).contains("session.signed_out"));
    }

    @Test
    void accessTokensExpireAfterFifteenMinutesAndSessionsAfterThirtyDays() {
        Account a = account("Lifetimes");
        Instant was = CLOCK.instant();
        try {
            CLOCK.advance(Duration.ofMinutes(15).plusSeconds(61)); // past the verifier's 60 s of skew
            assertError(send("GET", "/api/v1/users", a.adminToken(), null), 401, "invalid_token");
            APIGatewayV2HTTPResponse refreshed = Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).send();
            ok(send("GET", "/api/v1/users", ok(refreshed, 200).get("access_token").asText(), null), 200);
            CLOCK.set(was.plus(Duration.ofDays(30)).plusSeconds(1)); // Postgres keeps microseconds, rounded
            assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(refreshCookie(refreshed)).send(), 401, "invalid_token");
        } finally {
            CLOCK.set(was.plus(Duration.ofDays(30)).plusSeconds(2)); // only forward: what other tests issued meanwhile stays valid
        }
    }

    @Test
    void aRoleChangeAndARemovalTakeEffectAtTheNextRefresh() {
        Account a = account("Roles");
        String[] viewer = member(a, "viewer");
        String here = address();
        APIGatewayV2HTTPResponse session = signIn(viewer[2], PASSWORD, here);
        String cookie = refreshCookie(session);
        String viewerToken = ok(session, 201).get("access_token").asText();
        assertError(send("GET", "/api/v1/users", viewerToken, null), 403, "insufficient_scope");

        JsonNode changed = ok(send("PATCH", "/api/v1/users/" + viewer[0], a.adminToken(), "{\"role\":\"admin\"}"), 200);
        assertEquals("admin", changed.get("role").asText());
        assertError(send("GET", "/api/v1/users", viewerToken, null), 403, "insufficient_scope");
        APIGatewayV2HTTPResponse promoted = Call.of("POST", "/api/v1/sessions/refresh").cookie(cookie).send();
        assertEquals("admin", ok(promoted, 200).get("user").get("role").asText());
        ok(send("GET", "/api/v1/users", json(promoted).get("access_token").asText(), null), 200);

        assertEquals(204, send("DELETE", "/api/v1/users/" + viewer[0], a.adminToken(), null).getStatusCode());
        assertError(Call.of("POST", "/api/v1/sessions/refresh").cookie(refreshCookie(promoted)).send(), 401, "invalid_token");
        assertError(signIn(viewer[2], PASSWORD, here), 401, "invalid_credentials");
        assertError(send("PATCH", "/api/v1/users/" + viewer[0], a.adminToken(), "{\"role\":\"admin\"}"), 404, "not_found");
        assertError(send("PATCH", "/api/v1/users/" + UUID.randomUUID(), a.adminToken(), "{\"role\":\"boss\"}"), 400, "invalid_request");
    }

    @Test
    void anAccountAlwaysKeepsAnActiveAdmin() {
        Account a = account("LastAdmin");
        UUID self = UUID.fromString(ok(send("GET", "/api/v1/users", a.adminToken(), null), 200).get("users").get(0).get("user_id").asText());
        assertError(send("DELETE", "/api/v1/users/" + self, a.adminToken(), null), 409, "conflict");
        assertError(send("PATCH", "/api/v1/users/" + self, a.adminToken(), "{\"role\":\"viewer\"}"), 409, "conflict");
        // An invited admin who has not accepted does not count: nobody could sign in.
        ok(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"pending-" + UUID.randomUUID() + "@example.com\",\"role\":\"admin\"}"), 201);
        assertError(send("DELETE", "/api/v1/users/" + self, a.adminToken(), null), 409, "conflict");
        String[] second = member(a, "admin");
        ok(send("PATCH", "/api/v1/users/" + self, a.adminToken(), "{\"role\":\"viewer\"}"), 200);
        assertError(send("DELETE", "/api/v1/users/" + second[0], second[1], null), 409, "conflict");
    }

    @Test
    void theCookieRoutesRefusePagesOfOtherOriginsAndDropSecureOnlyOnLocalhost() {
        Account a = account("Origin");
        APIGatewayV2HTTPResponse evil = Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).header("origin", "https://evil.example").send();
        assertError(evil, 403, "forbidden_origin");
        assertError(Call.of("POST", "/api/v1/sessions").header("origin", "null").body("{\"email\":\"" + a.adminEmail() + "\",\"password\":\""
                + PASSWORD + "\"}").send(), 403, "forbidden_origin");
        assertError(Call.of("DELETE", "/api/v1/sessions/current").cookie(a.cookie()).header("sec-fetch-site", "cross-site").send(),
                403, "forbidden_origin");
        ok(Call.of("POST", "/api/v1/sessions/refresh").cookie(a.cookie()).header("origin", "https://api.example.com").send(), 200);

        APIGatewayV2HTTPResponse local = Call.of("POST", "/api/v1/sessions").from(address()).header("host", "localhost:3000")
                .header("x-forwarded-proto", "http").header("origin", "http://localhost:3000")
                .body("{\"email\":\"" + a.adminEmail() + "\",\"password\":\"" + PASSWORD + "\"}").send();
        assertFalse(setCookie(local).contains("Secure"), setCookie(local));
        assertTrue(setCookie(local).contains("HttpOnly") && setCookie(local).contains("SameSite=Strict"));
        APIGatewayV2HTTPResponse plainElsewhere = Call.of("POST", "/api/v1/sessions").from(address()).header("x-forwarded-proto", "http")
                .body("{\"email\":\"" + a.adminEmail() + "\",\"password\":\"" + PASSWORD + "\"}").send();
        assertTrue(setCookie(plainElsewhere).contains("; Secure"), "only localhost goes without Secure");
    }

    @Test
    void aHashMadeWithOlderParametersIsUpgradedAtSignIn() throws Exception {
        Account a = account("Rehash");
        assertTrue(storedHash(a.adminEmail()).contains("m=1024,"));
        Settings stronger = Settings.with(env, Map.of("NUSCAPE_ARGON2_MEMORY_KIB", "2048"));
        try (ApiHandler upgraded = new ApiHandler(new ApiFunction(stronger, KeySource.of(KeySet.parse(TestKeys.keySet(KEY))), apiDatabase(), CLOCK))) {
            APIGatewayV2HTTPEvent e = APIGatewayV2HTTPEvent.builder().withRawPath("/api/v1/sessions").withRawQueryString("")
                    .withHeaders(Map.of("content-type", "application/json", "host", "api.example.com"))
                    .withBody("{\"email\":\"" + a.adminEmail() + "\",\"password\":\"" + PASSWORD + "\"}")
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("r")
                            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath("/api/v1/sessions")
                                    .withSourceIp(address()).build()).build()).build();
            assertEquals(201, upgraded.handleRequest(e, null).getStatusCode());
        }
        assertTrue(storedHash(a.adminEmail()).contains("m=2048,"), storedHash(a.adminEmail()));
        ok(signIn(a.adminEmail(), PASSWORD, address()), 201); // the old parameters still verify the new hash
    }

    static String storedHash(String email) throws Exception {
        try (Connection c = db.connect(); var s = c.prepareStatement("SELECT password_hash FROM users WHERE email = ?")) {
            s.setString(1, email);
            try (ResultSet rs = s.executeQuery()) {
                assertTrue(rs.next());
                assertFalse(rs.getString(1).contains(PASSWORD));
                return rs.getString(1);
            }
        }
    }

    // ------------------------------------------------------------------ API keys

    @Test
    void anApiKeyIsShownOnceWorksLikeATokenOfItsScopesAndStopsAtRevocationOrExpiry() throws Exception {
        Account a = account("Keys");
        JsonNode created = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"export\",\"scopes\":[\"read\"]}"), 201);
        String key = created.get("key").asText();
        assertTrue(key.startsWith("nsk_") && key.length() >= 4 + 43, key);
        assertTrue(created.get("expires_at").isNull());
        ok(send("GET", "/api/v1/usage/top", key, null), 200);
        ok(send("GET", "/api/v1/devices", key, null), 200);
        assertError(send("GET", "/api/v1/users", key, null), 403, "insufficient_scope");
        assertError(send("GET", "/api/v1/usage/top", key + "x", null), 401, "invalid_token");

        JsonNode listed = waitForLastUse(a, created.get("api_key_id").asText());
        assertEquals(key.substring(0, 12), listed.get("prefix").asText());
        assertFalse(listed.toString().contains(key), "the key is never shown again");
        assertEquals("active", listed.get("status").asText());

        assertEquals(204, send("DELETE", "/api/v1/api-keys/" + created.get("api_key_id").asText(), a.adminToken(), null).getStatusCode());
        APIGatewayV2HTTPResponse revoked = send("GET", "/api/v1/usage/top", key, null);
        assertError(revoked, 401, "invalid_token");
        assertTrue(json(revoked).get("message").asText().contains("revoked"));

        assertError(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"x\",\"scopes\":[\"ingest\"]}"), 400, "invalid_request");
        assertError(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"x\",\"scopes\":[]}"), 400, "invalid_request");
        assertError(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"x\",\"scopes\":[\"read\"],\"expires_at\":\"2000-01-01T00:00:00Z\"}"),
                400, "invalid_request");
        String expiring = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"temp\",\"scopes\":[\"admin\"],\"expires_at\":\""
                + CLOCK.instant().plus(Duration.ofHours(1)) + "\"}"), 201).get("key").asText();
        ok(send("GET", "/api/v1/users", expiring, null), 200);
        Instant was = CLOCK.instant();
        try {
            CLOCK.advance(Duration.ofHours(1));
            assertError(send("GET", "/api/v1/users", expiring, null), 401, "invalid_token");
        } finally {
            CLOCK.set(was.plus(Duration.ofHours(1)).plusMillis(1));
        }
    }

    /** The last use is written off the request path: wait (bounded) until it lands. */
    static JsonNode waitForLastUse(Account a, String keyId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            for (JsonNode k : ok(send("GET", "/api/v1/api-keys", a.adminToken(), null), 200).get("api_keys")) {
                if (k.get("api_key_id").asText().equals(keyId) && !k.get("last_used_at").isNull()) {
                    return k;
                }
            }
            assertTrue(System.nanoTime() < deadline, "last_used_at was never recorded");
            Thread.sleep(20);
        }
    }

    @Test
    void anotherAccountsUsersKeysAndCodesSeeNothingHere() {
        Account a = account("Mine");
        Account b = account("Theirs");
        String[] viewerA = member(a, "viewer");
        String keyA = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"k\",\"scopes\":[\"admin\"]}"), 201).get("api_key_id").asText();
        String keyB = ok(send("POST", "/api/v1/api-keys", b.adminToken(), "{\"name\":\"k\",\"scopes\":[\"admin\"]}"), 201).get("key").asText();

        for (String caller : List.of(b.adminToken(), keyB)) {
            assertEquals(1, ok(send("GET", "/api/v1/users", caller, null), 200).get("users").size());
            assertError(send("PATCH", "/api/v1/users/" + viewerA[0], caller, "{\"role\":\"admin\"}"), 404, "not_found");
            assertError(send("DELETE", "/api/v1/users/" + viewerA[0], caller, null), 404, "not_found");
            assertError(send("DELETE", "/api/v1/api-keys/" + keyA, caller, null), 404, "not_found");
            assertFalse(ok(send("GET", "/api/v1/api-keys", caller, null), 200).toString().contains(keyA));
            assertFalse(ok(send("GET", "/api/v1/audit", caller, null), 200).toString().contains(viewerA[0]));
        }
        ok(send("GET", "/api/v1/users", a.adminToken(), null), 200);
    }

    // ------------------------------------------------------------------ enrollment and devices

    @Test
    void aDeviceEnrollsWithACodeOnceAndRenewsItsOwnToken() {
        Account a = account("Enroll");
        JsonNode code = ok(send("POST", "/api/v1/enrollment-codes", a.adminToken(), "{}"), 201);
        String typed = code.get("code").asText();
        assertTrue(typed.matches("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}"), typed);
        assertEquals(CLOCK.instant().plus(Duration.ofMinutes(15)), Instant.parse(code.get("expires_at").asText()));

        String here = address();
        JsonNode enrolled = ok(Call.of("POST", "/api/v1/enroll").from(here).body("{\"code\":\"" + typed.toLowerCase().replace("-", " ")
                + "\",\"name\":\"Tablet\",\"platform\":\"android\"}").send(), 201);
        String device = enrolled.get("device_id").asText();
        String first = enrolled.get("token").asText();
        assertEquals(202, send("POST", "/api/v1/events/batch", first, ApiTest.batch()).getStatusCode());
        assertError(Call.of("POST", "/api/v1/enroll").from(here).body("{\"code\":\"" + typed + "\",\"name\":\"Again\",\"platform\":\"android\"}")
                .send(), 400, "invalid_request");
        assertEquals(1, ok(send("GET", "/api/v1/devices", a.adminToken(), null), 200).get("devices").size());

        JsonNode renewed = ok(send("POST", "/api/v1/devices/self/token", first, null), 201);
        String second = renewed.get("token").asText();
        assertTrue(Instant.parse(renewed.get("expires_at").asText()).isAfter(CLOCK.instant().plus(Duration.ofDays(364))));
        assertError(send("POST", "/api/v1/events/batch", first, ApiTest.batch()), 403, "device_revoked");
        assertError(send("POST", "/api/v1/devices/self/token", first, null), 403, "device_revoked");
        assertEquals(202, send("POST", "/api/v1/events/batch", second, ApiTest.batch()).getStatusCode());
        assertError(send("POST", "/api/v1/devices/self/token", a.adminToken(), null), 403, "insufficient_scope");

        List<String> entries = new ArrayList<>();
        for (JsonNode entry : ok(send("GET", "/api/v1/audit", a.adminToken(), null), 200).get("entries")) {
            entries.add(entry.get("actor").asText() + " " + entry.get("action").asText() + " " + entry.get("target").asText());
        }
        assertTrue(entries.contains("device:" + device + " device.token_renewed device:" + device), entries.toString());
        assertTrue(entries.contains("enrollment_code device.enrolled device:" + device), entries.toString());
        ok(send("DELETE", "/api/v1/devices/" + device, a.adminToken(), null), 202);
        assertError(send("POST", "/api/v1/devices/self/token", second, null), 403, "device_revoked");
        assertError(send("POST", "/api/v1/enrollment-codes", a.adminToken(), "{\"profile_id\":\"" + UUID.randomUUID() + "\"}"), 400, "invalid_request");
    }

    @Test
    void enrollmentCodesExpireAndWrongCodesAreThrottledPerAddress() {
        Account a = account("Codes");
        String typed = ok(send("POST", "/api/v1/enrollment-codes", a.adminToken(), null), 201).get("code").asText();
        Instant was = CLOCK.instant();
        try {
            CLOCK.advance(Duration.ofMinutes(15));
            assertError(Call.of("POST", "/api/v1/enroll").from(address()).body("{\"code\":\"" + typed + "\",\"name\":\"x\",\"platform\":\"ios\"}")
                    .send(), 400, "invalid_request");
        } finally {
            CLOCK.set(was.plus(Duration.ofMinutes(15)).plusMillis(1));
        }
        String guesser = address();
        for (int i = 0; i < 12; i++) {
            assertError(Call.of("POST", "/api/v1/enroll").from(guesser).body("{\"code\":\"AAAAA-AAAA" + (i % 10) + "\",\"name\":\"x\",\"platform\":\"ios\"}")
                    .send(), 400, "invalid_request");
        }
        String good = ok(send("POST", "/api/v1/enrollment-codes", a.adminToken(), null), 201).get("code").asText();
        APIGatewayV2HTTPResponse blocked = Call.of("POST", "/api/v1/enroll").from(guesser)
                .body("{\"code\":\"" + good + "\",\"name\":\"x\",\"platform\":\"ios\"}").send();
        assertError(blocked, 429, "rate_limited");
        assertNotNull(blocked.getHeaders().get("Retry-After"));
        ok(Call.of("POST", "/api/v1/enroll").from(address()).body("{\"code\":\"" + good + "\",\"name\":\"x\",\"platform\":\"ios\"}").send(), 201);
    }

    // ------------------------------------------------------------------ roles and scopes, audit

    @Test
    void everyNewRouteAnswersEachRoleAndKeyScopeAsTheContractSays() {
        Account a = account("Matrix");
        String[] viewer = member(a, "viewer");
        String readKey = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"r\",\"scopes\":[\"read\"]}"), 201).get("key").asText();
        String adminKey = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"a\",\"scopes\":[\"admin\"]}"), 201).get("key").asText();
        String device = ok(Call.of("POST", "/api/v1/enroll").from(address()).body("{\"code\":\"" + ok(send("POST", "/api/v1/enrollment-codes",
                a.adminToken(), null), 201).get("code").asText() + "\",\"name\":\"d\",\"platform\":\"ios\"}").send(), 201).get("token").asText();
        Map<String, String> callers = new HashMap<>();
        callers.put("admin", a.adminToken());
        callers.put("viewer", viewer[1]);
        callers.put("read key", readKey);
        callers.put("admin key", adminKey);
        callers.put("device", device);
        callers.put("operator", issuer.issue(a.id(), "ops", Set.of(Scope.OPERATOR), 0, CLOCK.instant(), Duration.ofHours(1)));
        record Route(String method, String path, String body, Set<String> allowed) {
        }
        Set<String> admins = Set.of("admin", "admin key");
        List<Route> routes = List.of(
                new Route("GET", "/api/v1/users", null, admins),
                new Route("POST", "/api/v1/users", "{\"email\":\"m-%s@example.com\",\"role\":\"viewer\"}", admins),
                new Route("PATCH", "/api/v1/users/" + UUID.randomUUID(), "{\"role\":\"viewer\"}", admins),
                new Route("DELETE", "/api/v1/users/" + UUID.randomUUID(), null, admins),
                new Route("GET", "/api/v1/api-keys", null, admins),
                new Route("POST", "/api/v1/api-keys", "{\"name\":\"n\",\"scopes\":[\"read\"]}", admins),
                new Route("DELETE", "/api/v1/api-keys/" + UUID.randomUUID(), null, admins),
                new Route("POST", "/api/v1/enrollment-codes", null, admins),
                new Route("GET", "/api/v1/audit", null, admins),
                new Route("GET", "/api/v1/usage/top", null, Set.of("admin", "viewer", "read key", "admin key")),
                new Route("GET", "/api/v1/devices", null, Set.of("admin", "viewer", "read key", "admin key")),
                new Route("GET", "/api/v1/policy", null, admins));
        for (Route r : routes) {
            assertError(send(r.method(), r.path(), null, r.body() == null ? null : r.body().formatted(UUID.randomUUID())), 401, "invalid_token");
            for (var caller : callers.entrySet()) {
                APIGatewayV2HTTPResponse answer = send(r.method(), r.path(), caller.getValue(), r.body() == null ? null : r.body().formatted(UUID.randomUUID()));
                if (r.allowed().contains(caller.getKey())) {
                    assertTrue(answer.getStatusCode() < 400 || answer.getStatusCode() == 404, r + " as " + caller.getKey() + ": " + answer.getBody());
                } else {
                    assertError(answer, 403, "insufficient_scope");
                }
            }
        }
        // The device renews only its own token, and nobody else may.
        for (var caller : callers.entrySet()) {
            if (!caller.getKey().equals("device")) {
                assertError(send("POST", "/api/v1/devices/self/token", caller.getValue(), null), 403, "insufficient_scope");
            }
        }
    }

    @Test
    void everyChangeIsAuditedByIdsOnlyAndOnlyAdminsReadTheLog() {
        Account a = account("Audit");
        String[] viewer = member(a, "viewer");
        String device = ok(send("POST", "/api/v1/devices", a.adminToken(), "{\"name\":\"Phone of Ana\",\"platform\":\"ios\"}"), 201)
                .get("device_id").asText();
        ok(send("POST", "/api/v1/devices/" + device + "/token", a.adminToken(), null), 201);
        ok(send("PUT", "/api/v1/policy", a.adminToken(), "{\"retention_days_1m\":7,\"retention_days_5m\":30,\"retention_days_60m\":90}"), 200);
        JsonNode key = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"k\",\"scopes\":[\"admin\"]}"), 201);
        ok(send("POST", "/api/v1/enrollment-codes", key.get("key").asText(), null), 201);
        assertEquals(204, send("DELETE", "/api/v1/api-keys/" + key.get("api_key_id").asText(), a.adminToken(), null).getStatusCode());
        ok(send("PATCH", "/api/v1/users/" + viewer[0], a.adminToken(), "{\"role\":\"admin\"}"), 200);
        assertEquals(204, send("DELETE", "/api/v1/users/" + viewer[0], a.adminToken(), null).getStatusCode());
        ok(send("DELETE", "/api/v1/devices/" + device, a.adminToken(), null), 202);

        JsonNode log = ok(send("GET", "/api/v1/audit", a.adminToken(), null), 200);
        List<String> actions = auditActions(a);
        for (String action : List.of("account.created", "user.invited", "invitation.accepted", "session.signed_in", "device.enrolled",
                "device.token_rotated", "policy.changed", "api_key.created", "enrollment_code.created", "api_key.revoked", "user.role_changed",
                "user.deleted", "device.erasure_requested")) {
            assertTrue(actions.contains(action), action + " missing from " + actions);
        }
        String text = log.toString();
        assertFalse(text.contains("@example.com") || text.contains("Phone of Ana"), "names and emails stay out of the log: " + text);
        assertTrue(text.contains("\"actor\":\"api_key:" + key.get("api_key_id").asText() + "\""), "the key's own change");
        assertFalse(log.get("truncated").asBoolean());
        JsonNode first = log.get("entries").get(log.get("entries").size() - 1);
        assertEquals("account.created", first.get("action").asText(), "oldest last");
        assertEquals(1, ok(send("GET", "/api/v1/audit?limit=1", a.adminToken(), null), 200).get("entries").size());
        assertTrue(ok(send("GET", "/api/v1/audit?limit=1", a.adminToken(), null), 200).get("truncated").asBoolean());
        assertError(send("GET", "/api/v1/audit", member(a, "viewer")[1], null), 403, "insufficient_scope");
    }

    @Test
    void aDemotedOrRemovedAdminLosesAdminPowersAtOnceNotAtTheTokensExpiry() {
        Account a = account("Demote");
        String[] other = member(a, "admin");
        ok(send("GET", "/api/v1/users", other[1], null), 200);
        ok(send("PATCH", "/api/v1/users/" + other[0], a.adminToken(), "{\"role\":\"viewer\"}"), 200);
        // Its access token still says admin for up to 15 minutes; the user it names does not.
        assertError(send("PATCH", "/api/v1/users/" + other[0], other[1], "{\"role\":\"admin\"}"), 403, "insufficient_scope");
        assertError(send("POST", "/api/v1/api-keys", other[1], "{\"name\":\"k\",\"scopes\":[\"admin\"]}"), 403, "insufficient_scope");
        ok(send("GET", "/api/v1/devices", other[1], null), 200); // reads trust the token until it expires, as the contract says
        assertEquals(204, send("DELETE", "/api/v1/users/" + other[0], a.adminToken(), null).getStatusCode());
        assertError(send("GET", "/api/v1/users", other[1], null), 401, "invalid_token");
    }

    @Test
    void behindANamedStageTheCookieAndTheLinksCarryTheStagesPath() {
        Account a = account("Stage");
        APIGatewayV2HTTPEvent e = APIGatewayV2HTTPEvent.builder().withRouteKey("POST /api/v1/sessions").withRawPath("/prod/api/v1/sessions")
                .withRawQueryString("").withHeaders(Map.of("content-type", "application/json", "host", "abc.execute-api.eu-west-1.amazonaws.com",
                        "x-nuscape-base-path", "/elsewhere"))
                .withBody("{\"email\":\"" + a.adminEmail() + "\",\"password\":\"" + PASSWORD + "\"}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("s").withStage("prod").withRouteKey("POST /api/v1/sessions")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath("/prod/api/v1/sessions")
                                .withSourceIp(address()).build()).build()).build();
        APIGatewayV2HTTPResponse r = api.handleRequest(e, null);
        assertTrue(setCookie(r).contains("; Path=/prod/api/v1/sessions;"), "the header a client sent is ignored: " + setCookie(r));
        APIGatewayV2HTTPEvent invite = APIGatewayV2HTTPEvent.builder().withRouteKey("POST /api/v1/users").withRawPath("/prod/api/v1/users")
                .withRawQueryString("").withHeaders(Map.of("content-type", "application/json", "host", "abc.execute-api.eu-west-1.amazonaws.com",
                        "authorization", "Bearer " + a.adminToken()))
                .withBody("{\"email\":\"staged-" + UUID.randomUUID() + "@example.com\",\"role\":\"viewer\"}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("s").withStage("prod").withRouteKey("POST /api/v1/users")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath("/prod/api/v1/users")
                                .withSourceIp(address()).build()).build()).build();
        String url = ok(api.handleRequest(invite, null), 201).get("invitation").get("url").asText();
        assertTrue(url.startsWith("https://abc.execute-api.eu-west-1.amazonaws.com/prod/#invitation="), url);
    }

    @Test
    void aPendingUserIsInvitedAgainAndAnEmailInUseIsRefusedWithoutSayingWhere() {
        Account a = account("Reinvite");
        Account b = account("Elsewhere");
        String email = "again-" + UUID.randomUUID() + "@example.com";
        JsonNode first = ok(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"viewer\"}"), 201);
        JsonNode second = ok(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"admin\"}"), 201);
        assertEquals(first.get("user_id"), second.get("user_id"));
        assertEquals("admin", second.get("role").asText());
        assertNotEquals(first.get("invitation").get("url"), second.get("invitation").get("url"));
        APIGatewayV2HTTPResponse taken = send("POST", "/api/v1/users", b.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"viewer\"}");
        assertError(taken, 409, "conflict");
        assertFalse(json(taken).get("message").asText().contains("account"), json(taken).toString());
        ok(send("POST", "/api/v1/invitations/" + invitationToken(second.get("invitation")) + "/accept", null, "{\"password\":\"" + PASSWORD + "\"}"), 201);
        assertError(send("POST", "/api/v1/invitations/" + invitationToken(first.get("invitation")) + "/accept", null,
                "{\"password\":\"" + PASSWORD + "\"}"), 409, "conflict");
        assertError(send("POST", "/api/v1/users", a.adminToken(), "{\"email\":\"" + email + "\",\"role\":\"viewer\"}"), 409, "conflict");
    }

    @Test
    void aKeyThatExpiresCannotMakeOneThatOutlivesItAndNoAnswerIsCached() {
        Account a = account("Outlive");
        Instant soon = CLOCK.instant().plus(Duration.ofDays(1));
        String key = ok(send("POST", "/api/v1/api-keys", a.adminToken(), "{\"name\":\"k\",\"scopes\":[\"admin\"],\"expires_at\":\"" + soon + "\"}"),
                201).get("key").asText();
        assertError(send("POST", "/api/v1/api-keys", key, "{\"name\":\"forever\",\"scopes\":[\"admin\"]}"), 400, "invalid_request");
        assertError(send("POST", "/api/v1/api-keys", key, "{\"name\":\"later\",\"scopes\":[\"admin\"],\"expires_at\":\""
                + soon.plusSeconds(60) + "\"}"), 400, "invalid_request");
        APIGatewayV2HTTPResponse made = send("POST", "/api/v1/api-keys", key, "{\"name\":\"shorter\",\"scopes\":[\"read\"],\"expires_at\":\""
                + soon.minusSeconds(60) + "\"}");
        ok(made, 201);
        assertEquals("no-store", made.getHeaders().get("Cache-Control"));
        assertEquals("no-store", send("GET", "/api/v1/users", a.adminToken(), null).getHeaders().get("Cache-Control"));
        assertEquals("no-store", send("GET", "/api/v1/users", null, null).getHeaders().get("Cache-Control"), "errors too");
    }

    /** Redis or Postgres gone: sign-in, enrollment and API keys answer 503 with Retry-After, never let a request through unchecked. */
    @Test
    void withRedisOrPostgresGoneTheNewRoutesAnswerUnavailable() {
        Map<String, String> gone = new HashMap<>(env);
        gone.put("NUSCAPE_REDIS_URL", "redis://127.0.0.1:" + io.nuscape.testkit.FreePort.pick());
        gone.put("NUSCAPE_REDIS_TIMEOUT_MS", "300");
        gone.put("NUSCAPE_DATABASE_URL", "jdbc:postgresql://127.0.0.1:" + io.nuscape.testkit.FreePort.pick() + "/nuscape");
        try (ApiHandler down = new ApiHandler(new ApiFunction(Settings.from(gone), KeySource.of(KeySet.parse(TestKeys.keySet(KEY))),
                new Database(gone.get("NUSCAPE_DATABASE_URL"), "nuscape_api", "x"), CLOCK))) {
            for (APIGatewayV2HTTPEvent e : List.of(
                    event("POST", "/api/v1/sessions", null, "{\"email\":\"a@example.com\",\"password\":\"" + PASSWORD + "\"}"),
                    event("POST", "/api/v1/enroll", null, "{\"code\":\"AAAAA-AAAAA\",\"name\":\"x\",\"platform\":\"ios\"}"),
                    event("GET", "/api/v1/devices", "nsk_" + "A".repeat(43), null))) {
                APIGatewayV2HTTPResponse r = down.handleRequest(e, null);
                assertError(r, 503, "unavailable");
                assertNotNull(r.getHeaders().get("Retry-After"), e.getRawPath());
            }
        }
    }

    static APIGatewayV2HTTPEvent event(String method, String path, String bearer, String body) {
        Map<String, String> headers = new HashMap<>(Map.of("content-type", "application/json", "host", "api.example.com"));
        if (bearer != null) {
            headers.put("authorization", "Bearer " + bearer);
        }
        return APIGatewayV2HTTPEvent.builder().withRouteKey(method + " " + path).withRawPath(path).withRawQueryString("").withHeaders(headers)
                .withBody(body).withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("d")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).withSourceIp(address()).build())
                        .build()).build();
    }
}
