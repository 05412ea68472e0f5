package io.nuscape.core.auth;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Json;
import java.security.Key;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JWT key set of CONTRACT.md, parsed from its JSON form
 * ({@code [{"kid","alg":"HS256","secret"} | {"kid","alg":"ES256","public_pem","private_pem"?}]}).
 * Several keys live side by side so that keys rotate without downtime.
 */
public final class KeySet {
    private static final int ES256_FIELD_BITS = 256;

    private final Map<String, JwtKey> byKid;

    private KeySet(Map<String, JwtKey> byKid) {
        this.byKid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byKid));
    }

    /** Parses and checks the whole set; a bad entry fails with a message naming its kid and what is wrong. */
    public static KeySet parse(String json) {
        Object root;
        try {
            root = Json.read(json);
        } catch (Exception e) {
            throw new ConfigException("JWT key set is not valid JSON (NUSCAPE_JWT_KEYS or its secret)");
        }
        if (!(root instanceof List<?> entries) || entries.isEmpty()) {
            throw new ConfigException("JWT key set must be a non-empty JSON array of keys");
        }
        var keys = new LinkedHashMap<String, JwtKey>();
        for (Object entry : entries) {
            // An entry that is not an object has none of the fields, so it fails on its missing kid.
            JwtKey key = parseKey(entry instanceof Map<?, ?> fields ? fields : Map.of());
            if (keys.putIfAbsent(key.kid(), key) != null) {
                throw new ConfigException("JWT key set has kid '" + key.kid() + "' twice");
            }
        }
        return new KeySet(keys);
    }

    private static JwtKey parseKey(Map<?, ?> fields) {
        String kid = text(fields, "kid").orElseThrow(() -> new ConfigException("every JWT key needs a \"kid\""));
        String alg = text(fields, "alg").orElseThrow(() -> new ConfigException("JWT key '" + kid + "' needs an \"alg\""));
        return switch (alg) {
            case "HS256" -> {
                String secret = text(fields, "secret").orElseThrow(
                        () -> new ConfigException("HS256 key '" + kid + "' needs a base64url \"secret\""));
                byte[] bytes;
                try {
                    bytes = Base64.getUrlDecoder().decode(secret.replace('+', '-').replace('/', '_').replace("=", ""));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("HS256 key '" + kid + "' secret is not base64url");
                }
                if (bytes.length < 32) {
                    throw new ConfigException("HS256 key '" + kid + "' secret must be at least 32 bytes (256 bits), has "
                            + bytes.length);
                }
                Key k = new SecretKeySpec(bytes, "HmacSHA256");
                yield new JwtKey(kid, alg, k, Optional.of(k));
            }
            case "ES256" -> {
                String pub = text(fields, "public_pem").orElseThrow(
                        () -> new ConfigException("ES256 key '" + kid + "' needs a \"public_pem\""));
                ECPublicKey publicKey = (ECPublicKey) decode(kid, pub, false);
                if (publicKey.getParams().getCurve().getField().getFieldSize() != ES256_FIELD_BITS) {
                    throw new ConfigException("ES256 key '" + kid + "' must be a P-256 key");
                }
                Optional<Key> priv = text(fields, "private_pem").map(p -> (ECPrivateKey) decode(kid, p, true));
                yield new JwtKey(kid, alg, publicKey, priv);
            }
            default -> throw new ConfigException("JWT key '" + kid + "' has alg '" + alg + "'; only HS256 and ES256 are allowed");
        };
    }

    private static Key decode(String kid, String pem, boolean isPrivate) {
        String body = pem.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            KeyFactory kf = KeyFactory.getInstance("EC");
            return isPrivate ? kf.generatePrivate(new PKCS8EncodedKeySpec(der)) : kf.generatePublic(new X509EncodedKeySpec(der));
        } catch (Exception e) {
            throw new ConfigException("ES256 key '" + kid + "' " + (isPrivate ? "private_pem (PKCS#8)" : "public_pem (X.509)")
                    + " cannot be read: " + e.getMessage());
        }
    }

    private static Optional<String> text(Map<?, ?> fields, String field) {
        return fields.get(field) instanceof String v && !v.isBlank() ? Optional.of(v) : Optional.empty();
    }

    public Optional<JwtKey> find(String kid) {
        return kid == null ? Optional.empty() : Optional.ofNullable(byKid.get(kid));
    }

    /** The key tokens are issued with: the named kid, else the first key that can sign. */
    public JwtKey signingKey(Optional<String> preferredKid) {
        if (preferredKid.isPresent()) {
            JwtKey k = byKid.get(preferredKid.get());
            if (k == null || k.signingKey().isEmpty()) {
                throw new ConfigException("signing kid '" + preferredKid.get() + "' is not in the key set or has no private key");
            }
            return k;
        }
        return byKid.values().stream().filter(k -> k.signingKey().isPresent()).findFirst()
                .orElseThrow(() -> new ConfigException("no key in the JWT key set can sign (HS256 secret or ES256 private_pem)"));
    }

    public List<JwtKey> keys() {
        return List.copyOf(byKid.values());
    }
}
