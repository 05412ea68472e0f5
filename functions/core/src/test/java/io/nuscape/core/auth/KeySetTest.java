package io.nuscape.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ConfigException;
import io.nuscape.testkit.TestKeys;
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
    void aVerifyOnlySetCannotIssue() {
        KeySet set = KeySet.parse(TestKeys.keySet(TestKeys.es256("es").publicOnly()));
        assertThrows(ConfigException.class, () -> set.signingKey(Optional.empty()));
    }
}
