package io.nuscape.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jsonwebtoken.Jwts;
import io.nuscape.testkit.TestKeys;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
    static final TestKeys.Key HS = TestKeys.hs256("hs-1");
    static final TestKeys.Key HS_OLD = TestKeys.hs256("hs-0");
    static final TestKeys.Key ES = TestKeys.es256("es-1");
    static final KeySource KEYS = KeySource.of(KeySet.parse(TestKeys.keySet(HS, HS_OLD, ES)));
    static final TokenVerifier VERIFIER = new TokenVerifier(KEYS, "nuscape", "nuscape");
    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID DEVICE = UUID.randomUUID();

    static String token(String kid, Set<Scope> scopes, Instant issuedAt, Duration lifetime) {
        return new TokenIssuer(KEYS, Optional.of(kid), "nuscape", "nuscape")
                .issue(ACCOUNT, DEVICE.toString(), scopes, 3, issuedAt, lifetime);
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String hmac(byte[] key, String signingInput) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    static String claims(long exp) {
        return "{\"iss\":\"nuscape\",\"aud\":[\"nuscape\"],\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT
                + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}";
    }

    static void rejected(String token, String messagePart) {
        TokenRejectedException e = assertThrows(TokenRejectedException.class, () -> VERIFIER.verify(token));
        assertTrue(e.getMessage().contains(messagePart), () -> "message was: " + e.getMessage());
    }

    @Test
    void acceptsEveryKeyOfTheSetWithItsOwnAlg() throws Exception {
        for (String kid : new String[] {"hs-1", "hs-0", "es-1"}) {
            Principal p = VERIFIER.verify(token(kid, Set.of(Scope.INGEST), Instant.now(), Duration.ofHours(1)));
            assertEquals(ACCOUNT, p.accountId());
            assertEquals(DEVICE.toString(), p.subject());
            assertEquals(3, p.tokenGeneration());
            assertTrue(p.has(Scope.INGEST));
        }
    }

    @Test
    void adminImpliesRead() throws Exception {
        Principal p = VERIFIER.verify(token("hs-1", Set.of(Scope.ADMIN), Instant.now(), Duration.ofHours(1)));
        assertTrue(p.has(Scope.READ));
        assertTrue(!p.has(Scope.INGEST) && !p.has(Scope.OPERATOR));
    }

    @Test
    void refusesAlgNone() {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        rejected(b64("{\"alg\":\"none\",\"kid\":\"hs-1\"}") + "." + b64(claims(exp)) + ".", "signed JWS");
        rejected(b64("{\"alg\":\"none\"}") + "." + b64(claims(exp)) + ".", "signed JWS");
    }

    @Test
    void refusesATokenWhoseAlgIsNotItsKeysAlg() throws Exception {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        // {header, HMAC key}: classic alg confusion (HS256 keyed with the ES256 public key), and the reverse.
        Object[][] cases = {
            {"{\"alg\":\"HS256\",\"kid\":\"es-1\"}", ES.publicPem().getBytes(StandardCharsets.US_ASCII)},
            {"{\"alg\":\"ES256\",\"kid\":\"hs-1\"}", HS.secret()},
        };
        for (Object[] c : cases) {
            String input = b64((String) c[0]) + "." + b64(claims(exp));
            rejected(input + "." + hmac((byte[]) c[1], input), "does not match its key");
        }
    }

    @Test
    void refusesUnknownKidAndMissingKid() throws Exception {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        String input = b64("{\"alg\":\"HS256\",\"kid\":\"nope\"}") + "." + b64(claims(exp));
        rejected(input + "." + hmac(HS.secret(), input), "kid is not a known key");
        String noKid = b64("{\"alg\":\"HS256\"}") + "." + b64(claims(exp));
        rejected(noKid + "." + hmac(HS.secret(), noKid), "no kid");
    }

    @Test
    void refusesABadSignature() throws Exception {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        String input = b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}") + "." + b64(claims(exp));
        rejected(input + "." + hmac(HS_OLD.secret(), input), "signature");
        String good = token("es-1", Set.of(Scope.INGEST), Instant.now(), Duration.ofHours(1));
        String tampered = good.substring(0, good.indexOf('.') + 1) + b64(claims(exp + 1)) + good.substring(good.lastIndexOf('.'));
        rejected(tampered, "signature");
    }

    @Test
    void expiryHonoursSixtySecondsOfSkew() throws Exception {
        Instant now = Instant.now();
        String justExpired = token("hs-1", Set.of(Scope.INGEST), now.minusSeconds(3630), Duration.ofHours(1)); // exp = now - 30 s
        VERIFIER.verify(justExpired);
        String expired = token("hs-1", Set.of(Scope.INGEST), now.minusSeconds(3700), Duration.ofHours(1)); // exp = now - 100 s
        rejected(expired, "expired");
    }

    @Test
    void aCachedVerificationNeverOutlivesTheTokensExpiry() throws Exception {
        Instant start = Instant.now();
        io.nuscape.testkit.MovableClock moving = new io.nuscape.testkit.MovableClock(start);
        TokenVerifier verifier = new TokenVerifier(KEYS, "nuscape", "nuscape", moving);
        String token = token("hs-1", Set.of(Scope.INGEST), start, Duration.ofSeconds(30));
        verifier.verify(token);
        moving.set(start.plusSeconds(20));
        verifier.verify(token);
        moving.set(start.plusSeconds(30 + TokenVerifier.CLOCK_SKEW_SECONDS + 5));
        TokenRejectedException e = assertThrows(TokenRejectedException.class, () -> verifier.verify(token));
        assertTrue(e.getMessage().contains("expired"));
    }

    @Test
    void refusesATokenNotYetValid() {
        TokenVerifier past = new TokenVerifier(KEYS, "nuscape", "nuscape", Clock.fixed(Instant.now().minusSeconds(600), ZoneOffset.UTC));
        String token = Jwts.builder().header().keyId("hs-1").and().issuer("nuscape").audience().add("nuscape").and()
                .subject(DEVICE.toString()).claim("acct", ACCOUNT.toString()).claim("scope", "ingest")
                .notBefore(Date.from(Instant.now())).expiration(Date.from(Instant.now().plusSeconds(3600)))
                .signWith(new SecretKeySpec(HS.secret(), "HmacSHA256"), Jwts.SIG.HS256).compact();
        TokenRejectedException e = assertThrows(TokenRejectedException.class, () -> past.verify(token));
        assertTrue(e.getMessage().contains("not valid yet"));
    }

    @Test
    void requiresExpIssAudAcctAndScope() throws Exception {
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        String[][] cases = {
            {"{\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\"}", "no exp"},
            {"{\"iss\":\"other\",\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "issuer"},
            {"{\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "issuer"},
            {"{\"iss\":\"nuscape\",\"aud\":\"someone\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "audience"},
            {"{\"iss\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "audience"},
            {"{\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"not-a-uuid\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "acct"},
            {"{\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"exp\":" + exp + "}", "scope"},
            {"{\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"sub\":\"device-7\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"exp\":" + exp + "}", "sub"},
            {"{\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"sub\":\"" + DEVICE + "\",\"acct\":\"" + ACCOUNT + "\",\"scope\":\"ingest\",\"gen\":\"x\",\"exp\":" + exp + "}", "gen"},
        };
        for (String[] c : cases) {
            String input = b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}") + "." + b64(c[0]);
            rejected(input + "." + hmac(HS.secret(), input), c[1]);
        }
    }

    @Test
    void authorizationHeaderMustBeBearer() {
        assertThrows(TokenRejectedException.class, () -> VERIFIER.verifyAuthorization(null));
        assertThrows(TokenRejectedException.class, () -> VERIFIER.verifyAuthorization("Basic abc"));
        assertThrows(TokenRejectedException.class, () -> VERIFIER.verifyAuthorization("Bearer "));
        assertThrows(TokenRejectedException.class, () -> VERIFIER.verifyAuthorization("Bearer not.a.jwt"));
        assertThrows(TokenRejectedException.class, () -> VERIFIER.verifyAuthorization("Bearer " + "x".repeat(10_000)));
    }

    /** What the verifier makes of a token signed with hs-1 over exactly this header and these claims. */
    static String outcome(String header, String claims) throws Exception {
        String input = b64(header) + "." + b64(claims);
        try {
            Principal p = VERIFIER.verify(input + "." + hmac(HS.secret(), input));
            return "ok " + p.subject() + " gen " + p.tokenGeneration();
        } catch (TokenRejectedException e) {
            return e.getMessage();
        }
    }

    static final String NOT_CLAIMS = "token must be a signed JWS with alg HS256 or ES256";

    /** Outcomes as they were with jjwt's Jackson deserializer: the JSON reader must not change any of them. */
    @Test
    void headerAndClaimsAreReadAsStrictlyAsJsonAllows() throws Exception {
        String header = "{\"alg\":\"HS256\",\"kid\":\"hs-1\"}";
        long exp = Instant.now().plusSeconds(600).getEpochSecond();
        String base = "\"iss\":\"nuscape\",\"aud\":\"nuscape\",\"acct\":\"" + ACCOUNT + "\",\"exp\":" + exp;
        String device = base + ",\"scope\":\"ingest\",\"sub\":\"" + DEVICE + "\"";
        String admin = base + ",\"scope\":\"admin\"";
        String[][] cases = {
            // header, claims, outcome
            {header, "{" + device + "}", "ok " + DEVICE + " gen 0"},
            {"{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"kid\":\"hs-0\"}", "{" + device + "}", "token is malformed"},
            {"[" + header + "]", "{" + device + "}", "token is malformed"},
            {"null", "{" + device + "}", "token is malformed"},
            {"{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}", "{" + device + "}",
                "token is malformed"},
            {"{\"alg\":\"HS256\",\"kid\":\"hs-\\u0031\",\"typ\":\"JWT\",\"x\":[1,{},null,2.5]}", "{" + device + "}",
                "ok " + DEVICE + " gen 0"},
            // A payload that is not a well-formed JSON object is content, not claims, to jjwt: not a claims JWS.
            {header, "{" + device + ",\"exp\":" + exp + "}", NOT_CLAIMS},
            {header, "{" + device + ",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}", NOT_CLAIMS},
            {header, "{" + device + ",\"x\":" + "1".repeat(70) + "}", NOT_CLAIMS},
            {header, "{" + device + ",\"x\":NaN}", NOT_CLAIMS},
            {header, "{" + device + ",", NOT_CLAIMS},
            {header, "{" + device + ",\"gen\":7}", "ok " + DEVICE + " gen 7"},
            {header, "{" + device + ",\"gen\":" + (1L << 40) + "}", "ok " + DEVICE + " gen " + (1L << 40)},
            {header, "{" + device + ",\"gen\":1.0}", "token gen claim must be an integer"},
            {header, "{" + device + ",\"gen\":1e2}", "token gen claim must be an integer"},
            {header, "{" + device + ",\"gen\":18446744073709551616}", "token gen claim must be an integer"},
            {header, "{" + admin + ",\"sub\":\"admin-\\u00e9-\\ud83d\\ude00-\\\"q\\\"\"}", "ok admin-é-😀-\"q\" gen 0"},
            {header, "{" + admin + ",\"sub\":\"raw-é-😀\",\"extra\":{\"a\":[true,false,null,-0.0]}}", "ok raw-é-😀 gen 0"},
        };
        StringBuilder expected = new StringBuilder();
        StringBuilder actual = new StringBuilder();
        for (String[] c : cases) {
            expected.append(c[0]).append(" . ").append(c[1]).append(" -> ").append(c[2]).append('\n');
            actual.append(c[0]).append(" . ").append(c[1]).append(" -> ").append(outcome(c[0], c[1])).append('\n');
        }
        assertEquals(expected.toString(), actual.toString());
    }
}
