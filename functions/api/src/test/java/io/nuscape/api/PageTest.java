package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.internal.WebPage;
import io.nuscape.core.Json;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.postgres.Database;
import io.nuscape.postgres.Migrator;
import io.nuscape.testkit.Enrollment;
import io.nuscape.testkit.TestDatabase;
import io.nuscape.testkit.TestKeys;
import io.nuscape.testkit.TestPostgres;
import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files as the API function serves them (the page in a browser is tested by the local runtime's
 * DashboardBrowserTest): headers that keep it safe, gzip, revalidation, the stage in its links, nothing else
 * of the class path, and the first load within its 300 KB budget.
 */
class PageTest {
    static final TestKeys.Key KEY = TestKeys.hs256("page-test");
    static ApiHandler api;
    static TestDatabase db;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        db = TestPostgres.newDatabase("page");
        new Migrator(new Database(db.jdbcUrl(), db.user(), db.password())).migrate();
        Map<String, String> env = ApiEnvironment.of(db, "page", KEY);
        KeySource keys = KeySource.of(KeySet.parse(TestKeys.keySet(KEY)));
        api = new ApiHandler(new ApiFunction(Settings.from(env), keys));
        UUID account = UUID.randomUUID();
        Enrollment.enroll(db, account, UUID.randomUUID());
        admin = new TokenIssuer(keys, Optional.empty(), "nuscape", "nuscape").issue(account, "page-admin", Set.of(Scope.ADMIN, Scope.READ), 0,
                Instant.now(), Duration.ofHours(1));
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    static APIGatewayV2HTTPResponse get(String rawPath, String routeKey, String stage, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(Map.of("host", "dash.example.com"));
        h.putAll(headers);
        return api.handleRequest(APIGatewayV2HTTPEvent.builder().withRouteKey(routeKey).withRawPath(rawPath).withRawQueryString("").withHeaders(h)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("p").withStage(stage).withRouteKey(routeKey)
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("GET").withPath(rawPath).build()).build())
                .build(), null);
    }

    static String body(APIGatewayV2HTTPResponse r) throws Exception {
        if (!r.getIsBase64Encoded()) {
            return r.getBody();
        }
        byte[] bytes = Base64.getDecoder().decode(r.getBody());
        if ("gzip".equals(r.getHeaders().get("Content-Encoding"))) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void thePageIsServedGzippedWithAStrictPolicyAndRevalidated() throws Exception {
        APIGatewayV2HTTPResponse r = get("/", "GET /", "$default", Map.of("accept-encoding", "gzip, deflate, br"));
        assertEquals(200, r.getStatusCode());
        assertEquals("gzip", r.getHeaders().get("Content-Encoding"));
        assertTrue(r.getIsBase64Encoded(), "a compressed body goes back to API Gateway as base64");
        String html = body(r);
        assertTrue(html.contains("<meta name=\"nuscape-base\" content=\"\">"), html);
        assertTrue(html.contains("src=\"/assets/app.js\""), html);
        String csp = r.getHeaders().get("Content-Security-Policy");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), csp);
        assertEquals("nosniff", r.getHeaders().get("X-Content-Type-Options"));
        assertEquals("no-cache", r.getHeaders().get("Cache-Control"));
        assertTrue(r.getHeaders().get("Content-Type").startsWith("text/html"));

        APIGatewayV2HTTPResponse again = get("/", "GET /", "$default", Map.of("accept-encoding", "gzip", "if-none-match", r.getHeaders().get("ETag")));
        assertEquals(304, again.getStatusCode());
        APIGatewayV2HTTPResponse otherEncoding = get("/", "GET /", "$default", Map.of("if-none-match", r.getHeaders().get("ETag")));
        assertEquals(200, otherEncoding.getStatusCode(), "the gzip ETag names the gzip bytes only");
        assertTrue(again.getBody() == null || again.getBody().isEmpty(), "no body with a 304");

        APIGatewayV2HTTPResponse plain = get("/", "GET /", "$default", Map.of("accept-encoding", "gzip;q=0.0, identity"));
        assertEquals(200, plain.getStatusCode());
        assertFalse(plain.getHeaders().containsKey("Content-Encoding"));
        assertEquals(html, body(plain));
    }

    /** Behind a named stage the page is reached as /prod/ and as /prod: its links must carry the stage either way. */
    @Test
    void thePagesLinksCarryTheStage() throws Exception {
        for (String raw : new String[] {"/prod/", "/prod"}) {
            APIGatewayV2HTTPResponse r = get(raw, "GET /", "prod", Map.of());
            assertEquals(200, r.getStatusCode(), raw);
            String html = body(r);
            assertTrue(html.contains("<meta name=\"nuscape-base\" content=\"/prod\">") && html.contains("href=\"/prod/assets/app.css\""), raw + ": " + html);
        }
        APIGatewayV2HTTPResponse asset = get("/prod/assets/app.js", "GET /assets/{file}", "prod", Map.of());
        assertEquals(200, asset.getStatusCode());
        assertTrue(asset.getHeaders().get("Content-Type").startsWith("text/javascript"));
        assertTrue(body(asset).contains("nuscape-base"));
    }

    @Test
    void nothingButThePagesOwnFilesIsServed() throws Exception {
        for (String file : new String[] {"uPlot.min.js", "uPlot.min.css", "app.css"}) {
            assertEquals(200, get("/assets/" + file, "GET /assets/{file}", "$default", Map.of()).getStatusCode(), file);
        }
        for (String file : new String[] {"..%2Fopenapi.json", "openapi.json", "ApiHandler.class", "index.html.bak", "%2e%2e", "index.html"}) {
            APIGatewayV2HTTPResponse r = get("/assets/" + file, "GET /assets/{file}", "$default", Map.of());
            assertEquals(404, r.getStatusCode(), file);
            assertEquals("not_found", Json.mapper().readTree(r.getBody()).get("error").asText(), file);
        }
    }

    @Test
    void theFirstLoadFitsItsBudget() {
        long bytes = new WebPage().compressedSize();
        System.out.println("dashboard first load, gzipped: " + bytes + " bytes");
        assertTrue(bytes < 300 * 1024, bytes + " bytes");
    }

    /** The enrollment answer carries what a device app scans: the API's address (with the stage) and the code, as a QR code. */
    @Test
    void anEnrollmentCodeComesWithItsQrCode() throws Exception {
        Map<String, String> h = new HashMap<>(Map.of("host", "dash.example.com", "authorization", "Bearer " + admin,
                "content-type", "application/json"));
        APIGatewayV2HTTPResponse r = api.handleRequest(APIGatewayV2HTTPEvent.builder().withRouteKey("POST /api/v1/enrollment-codes")
                .withRawPath("/prod/api/v1/enrollment-codes").withRawQueryString("").withHeaders(h).withBody("{}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("e").withStage("prod")
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod("POST").withPath("/prod/api/v1/enrollment-codes")
                                .build()).build()).build(), null);
        assertEquals(201, r.getStatusCode(), r.getBody());
        JsonNode code = Json.mapper().readTree(r.getBody());
        String uri = code.get("enroll_uri").asText();
        assertTrue(uri.startsWith("nuscape://enroll?api="), uri);
        assertEquals("https://dash.example.com/prod", URLDecoder.decode(uri.substring(uri.indexOf("api=") + 4, uri.indexOf("&code=")), StandardCharsets.UTF_8));
        assertEquals(code.get("code").asText(), uri.substring(uri.indexOf("&code=") + 6));
        var svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(code.get("qr_svg").asText().getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        assertEquals("svg", svg.getTagName());
        String d = svg.getElementsByTagName("path").item(0).getAttributes().getNamedItem("d").getNodeValue();
        assertTrue(d.split("M").length > 100, "a QR code of this length has hundreds of dark modules");
    }
}
