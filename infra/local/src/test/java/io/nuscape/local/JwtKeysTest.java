package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nuscape.core.ConfigException;
import io.nuscape.core.auth.JwtKey;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.auth.TokenRejectedException;
import io.nuscape.core.auth.TokenVerifier;
import io.nuscape.local.internal.KeySetFiles;
import io.nuscape.testkit.TestKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/jwt-keys: new ES256 sets, their verify-only copies, rotation. */
class JwtKeysTest {
    static final UUID ACCOUNT = UUID.fromString("6f1c2b9e-0000-4000-8000-000000000001");

    static String issue(String set) {
        return new TokenIssuer(KeySource.of(KeySet.parse(set)), Optional.empty(), "nuscape", "nuscape")
                .issue(ACCOUNT, "operator", EnumSet.of(Scope.OPERATOR), 0, Instant.now(), Duration.ofHours(1));
    }

    static Principal verify(String set, String token) throws TokenRejectedException {
        return new TokenVerifier(KeySource.of(KeySet.parse(set)), "nuscape", "nuscape").verify(token);
    }

    @Test
    void aNewSetIsOneEs256P256KeyThatSigns() {
        KeySet set = KeySet.parse(KeySetFiles.newSet("prod-1"));
        assertEquals(1, set.keys().size());
        JwtKey key = set.keys().get(0);
        assertEquals("prod-1", key.kid());
        assertEquals("ES256", key.alg());
        assertEquals(256, ((ECPublicKey) key.verificationKey()).getParams().getCurve().getField().getFieldSize());
        assertTrue(key.signingKey().isPresent());
    }

    @Test
    void theVerifyOnlySetVerifiesWhatTheSigningSetIssuesAndCannotSign() throws Exception {
        String signing = KeySetFiles.newSet("prod-1");
        String verifying = KeySetFiles.publicSet(signing);
        assertFalse(verifying.contains("private_pem"), verifying);
        assertFalse(verifying.contains("PRIVATE KEY"), verifying);
        KeySet parsed = KeySet.parse(verifying);
        assertTrue(parsed.keys().stream().allMatch(k -> k.signingKey().isEmpty()), "no key in the public set can sign");
        assertThrows(ConfigException.class, () -> parsed.signingKey(Optional.empty()));
        assertThrows(ConfigException.class, () -> issue(verifying), "a verifier cannot mint tokens");

        Principal p = verify(verifying, issue(signing));
        assertEquals(ACCOUNT, p.accountId());
        assertTrue(p.has(Scope.OPERATOR));
    }

    @Test
    void hs256CannotBePublished() {
        String mixed = TestKeys.keySet(TestKeys.es256("es"), TestKeys.hs256("dev-hs"));
        ConfigException e = assertThrows(ConfigException.class, () -> KeySetFiles.publicSet(mixed));
        assertTrue(e.getMessage().contains("dev-hs") && e.getMessage().contains("HS256"), e.getMessage());
    }

    @Test
    void addPutsANewSigningKeyFirstAndKeepsTheOldOnesVerifying() throws Exception {
        String before = KeySetFiles.newSet("prod-1");
        String oldToken = issue(before);
        String after = KeySetFiles.addKey(before, "prod-2");
        KeySet set = KeySet.parse(after);
        assertEquals(List.of("prod-2", "prod-1"), set.keys().stream().map(JwtKey::kid).toList());
        assertEquals("prod-2", set.signingKey(Optional.empty()).kid(), "the new key signs from now on");

        String verifyAfter = KeySetFiles.publicSet(after);
        verify(verifyAfter, oldToken); // tokens of the old key still verify during the overlap
        String newToken = issue(after);
        verify(verifyAfter, newToken);
        assertThrows(TokenRejectedException.class, () -> verify(KeySetFiles.publicSet(before), newToken),
                "a verifier that has not learnt the new key refuses its tokens (so update the verify secret first)");

        assertThrows(ConfigException.class, () -> KeySetFiles.addKey(after, "prod-1"), "kids are unique");
        String removed = KeySetFiles.removeKey(after, "prod-1");
        assertEquals(List.of("prod-2"), KeySet.parse(removed).keys().stream().map(JwtKey::kid).toList());
        assertThrows(ConfigException.class, () -> KeySetFiles.removeKey(removed, "prod-2"), "never an empty set");
    }

    @Test
    void theCommandWritesKeyFilesWithMode0600AndKeepsKeyMaterialOffStandardError(@TempDir Path dir) throws Exception {
        Path signing = dir.resolve("signing.json");
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = JwtKeys.run(new String[]{"new", "--kid", "k1", "--out", signing.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out), new PrintStream(err));
        assertEquals(0, status, err.toString());
        assertEquals("", out.toString(), "with --out nothing goes to standard output");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(signing)));
        KeySet.parse(Files.readString(signing));

        // public reads standard input and prints the verify-only set.
        out.reset();
        status = JwtKeys.run(new String[]{"public"}, new ByteArrayInputStream(Files.readAllBytes(signing)),
                new PrintStream(out), new PrintStream(err));
        assertEquals(0, status, err.toString());
        assertTrue(KeySet.parse(out.toString()).keys().get(0).signingKey().isEmpty());

        // HS256 refused with status 2; the message names the kid, not the secret.
        TestKeys.Key hs = TestKeys.hs256("dev");
        err.reset();
        out.reset();
        status = JwtKeys.run(new String[]{"public"}, new ByteArrayInputStream(TestKeys.keySet(hs).getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out), new PrintStream(err));
        assertEquals(2, status);
        assertEquals("", out.toString());
        String secret = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(hs.secret());
        assertFalse(err.toString().contains(secret), err.toString());

        // An existing file is never overwritten.
        err.reset();
        assertEquals(2, JwtKeys.run(new String[]{"new", "--kid", "k2", "--out", signing.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(out), new PrintStream(err)));
        assertTrue(err.toString().contains("exists"), err.toString());
        assertEquals(2, JwtKeys.run(new String[]{"new"}, new ByteArrayInputStream(new byte[0]), new PrintStream(out),
                new PrintStream(err)), "--kid is required");
    }
}
