package io.nuscape.core.auth;

import io.jsonwebtoken.security.SecureDigestAlgorithm;
import java.security.Key;
import java.util.Optional;

/**
 * One key of the key set: its {@code kid}, the only algorithm it may be used with, the key that verifies
 * and, where tokens are issued, the key that signs.
 */
public record JwtKey(String kid, String alg, Key verificationKey, Optional<Key> signingKey) {

    /** The jjwt algorithm object for this key's {@code alg}. */
    @SuppressWarnings("unchecked")
    public SecureDigestAlgorithm<Key, Key> algorithm() {
        return (SecureDigestAlgorithm<Key, Key>) (SecureDigestAlgorithm<?, ?>) switch (alg) {
            case "HS256" -> io.jsonwebtoken.Jwts.SIG.HS256;
            case "ES256" -> io.jsonwebtoken.Jwts.SIG.ES256;
            default -> throw new IllegalStateException("unsupported alg " + alg);
        };
    }
}
