package io.nuscape.testkit;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;

/**
 * Real key material for tests, as key-set JSON entries of CONTRACT.md: an HS256 secret, or an ES256 P-256
 * key pair in PEM. Made with the JDK alone, so every module's tests can use it.
 */
public final class TestKeys {
    private TestKeys() {
    }

    /** A key-set entry and its raw material (secret bytes, or PEMs). */
    public record Key(String kid, String alg, byte[] secret, String publicPem, String privatePem) {
        public String json() {
            return alg.equals("HS256")
                    ? "{\"kid\":\"" + kid + "\",\"alg\":\"HS256\",\"secret\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\"}"
                    : "{\"kid\":\"" + kid + "\",\"alg\":\"ES256\",\"public_pem\":\"" + publicPem.replace("\n", "\\n")
                      + "\"" + (privatePem == null ? "" : ",\"private_pem\":\"" + privatePem.replace("\n", "\\n") + "\"") + "}";
        }

        /** The same key without its private half (a verifier-only deployment). */
        public Key publicOnly() {
            return new Key(kid, alg, secret, publicPem, null);
        }
    }

    public static Key hs256(String kid) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return new Key(kid, "HS256", secret, null, null);
    }

    public static Key es256(String kid) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            return new Key(kid, "ES256", null, pem("PUBLIC KEY", kp.getPublic().getEncoded()),
                    pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String keySet(Key... keys) {
        return "[" + String.join(",", List.of(keys).stream().map(Key::json).toList()) + "]";
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
