package io.nuscape.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;

/**
 * The claims of a device token the client needs to read (its device and its expiry), taken from the JWT's
 * payload without checking the signature: the server checks it, the client only plans around it.
 */
public record TokenClaims(String subject, String account, Instant issuedAt, Instant expiresAt) {
    /**
     * The expiry an enrollment or renewal answered ({@code expires_at}), else the token's {@code exp}; null when
     * neither can be read. Never throws: the token matters more than its expiry, and must be kept either way.
     */
    public static Instant expiryOf(JsonNode answer, String token) {
        if (answer != null && answer.hasNonNull("expires_at")) {
            try {
                return Instant.parse(answer.get("expires_at").asText());
            } catch (DateTimeException notRfc3339) {
                // Fall back to the token's own claim.
            }
        }
        try {
            return of(token).expiresAt();
        } catch (IllegalArgumentException notAJwt) {
            return null;
        }
    }

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
        Instant issued = claims.path("iat").canConvertToLong() ? Instant.ofEpochSecond(claims.get("iat").asLong()) : null;
        return new TokenClaims(claims.get("sub").asText(), claims.path("acct").asText(null), issued, Instant.ofEpochSecond(claims.get("exp").asLong()));
    }
}
