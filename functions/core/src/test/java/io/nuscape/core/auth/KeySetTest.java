package io.nuscape.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ConfigException;
import io.nuscape.testkit.TestKeys;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySetTest {
    @Test
    void parsesMixedSetAndPicksFirstSigningKey() {
        TestKeys.Key es = TestKeys.es256("es");
        KeySet set = KeySet.parse(TestKeys.keySet(es.publicOnly(), TestKeys.hs256("hs")));
        assertEquals(2, set.keys().size());
        assertEquals("hs", set.signingKey(Optional.empty()).kid());
        assertTrue(set.find("es").orElseThrow().signingKey().isEmpty());
    }

    @Test
    void refusesBadSetsWithAMessageNamingTheProblem() {
        String[][] cases = {
            {"not json", "not valid JSON"},
            {"[]", "non-empty"},
            {"{}", "non-empty JSON array"},
            {"[{\"alg\":\"HS256\",\"secret\":\"AAAA\"}]", "kid"},
            {"[{\"kid\":\"a\",\"alg\":\"RS256\",\"secret\":\"AAAA\"}]", "only HS256 and ES256"},
            {"[{\"kid\":\"a\",\"alg\":\"none\"}]", "only HS256 and ES256"},
            {"[{\"kid\":\"a\",\"alg\":\"HS256\",\"secret\":\"c2hvcnQ\"}]", "at least 32 bytes"},
            {"[{\"kid\":\"a\",\"alg\":\"ES256\",\"public_pem\":\"garbage\"}]", "cannot be read"},
            {"[" + TestKeys.hs256("a").json() + "," + TestKeys.hs256("a").json() + "]", "twice"},
        };
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> KeySet.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), () -> c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void readsTheSetAsStrictlyAsJsonAllows() {
        String secret = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"";
        String[][] cases = {
            {"", "non-empty JSON array"},
            {"null", "non-empty JSON array"},
            {"\"[]\"", "non-empty JSON array"},
            {"[1]", "kid"},
            {"[[]]", "kid"},
            {"[{\"kid\":5,\"alg\":\"HS256\",\"secret\":" + secret + "}]", "kid"},
            {"[{\"kid\":\" \",\"alg\":\"HS256\",\"secret\":" + secret + "}]", "kid"},
            {"[{\"kid\":\"a\",\"alg\":[\"HS256\"],\"secret\":" + secret + "}]", "needs an \"alg\""},
            {"[{\"kid\":\"a\",\"kid\":\"b\",\"alg\":\"HS256\",\"secret\":" + secret + "}]", "not valid JSON"},
            {"[{\"kid\":\"a\",\"alg\":\"HS256\",\"secret\":" + secret + ",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}]",
                "not valid JSON"},
            {"[{\"kid\":\"a\",\"alg\":\"HS256\",\"secret\":" + secret + ",\"x\":" + "1".repeat(70) + "}]", "not valid JSON"},
            {"[{\"kid\":\"a\",\"alg\":\"HS256\",\"secret\":" + secret + ",}]", "not valid JSON"},
        };
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> KeySet.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), () -> c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void decodesEscapesAndIgnoresUnknownFields() {
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        KeySet set = KeySet.parse("[{\"kid\":\"k\\u00e9y-\\ud83d\\ude00\",\"alg\":\"HS256\",\"secret\":\"" + secret
                + "\",\"note\":{\"added\":[1,2.5,null,true]}}]");
        assertEquals("k\u00e9y-\ud83d\ude00", set.keys().get(0).kid());
        assertTrue(set.find("kéy-😀").isPresent());
    }

    @Test
    void aVerifyOnlySetCannotIssue() {
        KeySet set = KeySet.parse(TestKeys.keySet(TestKeys.es256("es").publicOnly()));
        assertThrows(ConfigException.class, () -> set.signingKey(Optional.empty()));
    }
}
