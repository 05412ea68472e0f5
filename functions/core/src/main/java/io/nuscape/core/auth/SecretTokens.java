package io.nuscape.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random secrets handed out once (refresh tokens, invitations, API keys, enrollment codes) and the
 * SHA-256 under which they are stored. A plain hash suffices because the secrets are random, not chosen by
 * people: nobody can guess one from its hash. The generator is made on first use, never during
 * initialisation, so that SnapStart copies of one snapshot do not share it.
 */
public final class SecretTokens {
    private SecretTokens() {
    }

    private static final class Source {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    /** {@code bytes} random bytes, base64url without padding (32 bytes: 43 characters, 256 bits). */
    public static String random(int bytes) {
        byte[] b = new byte[bytes];
        Source.RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A uniformly random index below {@code bound}. */
    public static int randomIndex(int bound) {
        return Source.RANDOM.nextInt(bound);
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
