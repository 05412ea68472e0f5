package io.nuscape.core.people;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ApiException;
import org.junit.jupiter.api.Test;

/** Argon2id hashes: round trip, salts, parameter upgrades, malformed input, and the password policy. */
class PasswordHasherTest {
    // Small parameters keep the test fast; the production cost is measured in the closing note, not here.
    final PasswordHasher hasher = new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1));

    @Test
    void aHashVerifiesItsPasswordAndNoOther() {
        String h = hasher.hash("correct horse battery staple");
        assertTrue(h.startsWith("$argon2id$v=19$m=1024,t=1,p=1$"), h);
        assertTrue(hasher.verify("correct horse battery staple", h));
        assertFalse(hasher.verify("correct horse battery stapl", h));
        assertFalse(hasher.verify("Correct horse battery staple", h));
        assertNotEquals(h, hasher.hash("correct horse battery staple"), "a fresh salt each time");
    }

    @Test
    void aHashOfOtherParametersVerifiesAndAsksForARehash() {
        PasswordHasher older = new PasswordHasher(new PasswordHasher.Parameters(512, 2, 1));
        String h = older.hash("correct horse battery staple");
        assertTrue(hasher.verify("correct horse battery staple", h), "verified with the parameters the hash names");
        assertTrue(hasher.needsRehash(h));
        assertFalse(hasher.needsRehash(hasher.hash("correct horse battery staple")));
    }

    @Test
    void anythingButAnArgon2idHashVerifiesNothing() {
        for (String h : new String[] {null, "", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                "$argon2id$v=19$m=1024,t=1,p=1$", "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaA"}) {
            assertFalse(hasher.verify("correct horse battery staple", h), String.valueOf(h));
        }
        assertFalse(hasher.verifyNothing("correct horse battery staple"));
        assertFalse(hasher.verifyNothing(""));
    }

    @Test
    void thePolicyNamesWhatIsWrong() {
        PasswordPolicy.check("correct horse battery staple");
        assertEquals("password must have at least 12 characters; this one has 11",
                assertThrows(ApiException.class, () -> PasswordPolicy.check("eleven char")).getMessage());
        assertEquals("password is required", assertThrows(ApiException.class, () -> PasswordPolicy.check(null)).getMessage());
        assertThrows(ApiException.class, () -> PasswordPolicy.check("aaaaaaaaaaaaaaaa"), "too few distinct characters");
        assertThrows(ApiException.class, () -> PasswordPolicy.check("abcd".repeat(257)), "over 1 024 characters");
        PasswordPolicy.check("\uD83D\uDE00\uD83D\uDE01\uD83D\uDE02\uD83E\uDD23\uD83D\uDE03\uD83D\uDE04"
                + "\uD83D\uDE05\uD83D\uDE06\uD83D\uDE09\uD83D\uDE0A\uD83D\uDE0B\uD83D\uDE0E"); // 12 characters, 24 UTF-16 units
        assertThrows(ApiException.class, () -> PasswordPolicy.check("\uD83D\uDE00\uD83D\uDE01\uD83D\uDE02\uD83E\uDD23\uD83D\uDE03\uD83D\uDE04"),
                "6 characters although 12 UTF-16 units");
    }
}
