package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;

/**
 * The claims of a device token the client needs to read (its device and its expiry), taken from the JWT's
 * payload without checking the signature: the server checks it, the client only plans around it.
 */
public record TokenClaims(String subject, String account, Instant expiresAt) {
    public static TokenClaims of(String token) {
        String[] parts = token == null ? new String[0] : token.trim().split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a JWT (compact JWS with three parts)");
        }
        JsonNode claims;
        try {
            claims = ServerApi.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the token's payload is not base64url JSON", e);
        }
        if (claims == null || !claims.isObject() || !claims.path("sub").isTextual() || !claims.path("exp").canConvertToLong()) {
            throw new IllegalArgumentException("the token has no sub or exp claim");
        }
        return new TokenClaims(claims.get("sub").asText(), claims.path("acct").asText(null), Instant.ofEpochSecond(claims.get("exp").asLong()));
    }
}
