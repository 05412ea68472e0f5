package io.nuscape.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuscape.core.ConfigException;
import io.nuscape.core.Json;
import io.nuscape.core.auth.KeySet;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Makes and edits JWT key sets in their JSON form (CONTRACT.md, Authentication): new ES256 keys (P-256,
 * PKCS#8 {@code private_pem}, X.509 {@code public_pem}), the verify-only copy of a set, rotation. Every
 * result is checked by {@link KeySet#parse} before it is returned, so what comes out is what the
 * functions accept. Messages name kids, never key material.
 */
public final class KeySetFiles {
    private KeySetFiles() {
    }

    /** A set of one new ES256 key. */
    public static String newSet(String kid) {
        ArrayNode set = Json.mapper().createArrayNode();
        set.add(es256(kid));
        return checked(set);
    }

    /**
     * The same keys with their private parts removed: what functions that only verify tokens may hold.
     * HS256 keys are refused: their one secret both signs and verifies, so it cannot be published.
     */
    public static String publicSet(String json) {
        ArrayNode set = parse(json);
        ArrayNode out = Json.mapper().createArrayNode();
        for (JsonNode key : set) {
            String kid = key.path("kid").asText();
            if (!"ES256".equals(key.path("alg").asText())) {
                throw new ConfigException("key '" + kid + "' is " + key.path("alg").asText()
                        + ": its secret signs as well as verifies, so it cannot go into a verify-only set; use ES256 keys");
            }
            ObjectNode copy = ((ObjectNode) key).deepCopy();
            copy.remove("private_pem");
            out.add(copy);
        }
        String result = checked(out);
        if (KeySet.parse(result).keys().stream().anyMatch(k -> k.signingKey().isPresent())) {
            throw new IllegalStateException("verify-only set still holds a signing key");
        }
        return result;
    }

    /**
     * The set with a new ES256 key first, the old ones kept after it. The first key that can sign is the one
     * tokens are issued with (unless {@code NUSCAPE_JWT_SIGNING_KID} names another), so the new key signs
     * from the moment the signing secret holds it, while tokens signed with the old keys still verify.
     */
    public static String addKey(String json, String kid) {
        ArrayNode set = parse(json);
        for (JsonNode key : set) {
            if (kid.equals(key.path("kid").asText())) {
                throw new ConfigException("the key set already has kid '" + kid + "'");
            }
        }
        ArrayNode out = Json.mapper().createArrayNode();
        out.add(es256(kid));
        out.addAll(set);
        return checked(out);
    }

    /** The set without the key named (after the longest token it signed has expired). */
    public static String removeKey(String json, String kid) {
        ArrayNode set = parse(json);
        ArrayNode out = Json.mapper().createArrayNode();
        for (JsonNode key : set) {
            if (!kid.equals(key.path("kid").asText())) {
                out.add(key);
            }
        }
        if (out.size() == set.size()) {
            throw new ConfigException("the key set has no kid '" + kid + "'");
        }
        if (out.isEmpty()) {
            throw new ConfigException("removing '" + kid + "' would leave the key set empty");
        }
        return checked(out);
    }

    private static ArrayNode parse(String json) {
        KeySet.parse(json); // the same checks the functions make, with their messages
        try {
            return (ArrayNode) Json.mapper().readTree(json);
        } catch (Exception e) {
            throw new ConfigException("JWT key set is not valid JSON");
        }
    }

    private static String checked(ArrayNode set) {
        String json = Json.write(set);
        KeySet.parse(json);
        return json;
    }

    private static ObjectNode es256(String kid) {
        if (kid == null || kid.isBlank()) {
            throw new ConfigException("a new key needs a kid (--kid)");
        }
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1")); // P-256, the curve ES256 is defined on
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
        ObjectNode key = Json.mapper().createObjectNode();
        key.put("kid", kid);
        key.put("alg", "ES256");
        key.put("public_pem", pem("PUBLIC KEY", pair.getPublic().getEncoded()));   // X.509 SubjectPublicKeyInfo
        key.put("private_pem", pem("PRIVATE KEY", pair.getPrivate().getEncoded())); // PKCS#8
        return key;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
