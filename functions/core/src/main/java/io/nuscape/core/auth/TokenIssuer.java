package io.nuscape.core.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.jackson.io.JacksonSerializer;
import io.nuscape.core.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Issues tokens with the key set's signing key: device ingest tokens at enrollment, and admin or operator
 * tokens for ops tools and tests.
 */
public final class TokenIssuer {
    private final KeySource keys;
    private final Optional<String> signingKid;
    private final String issuer;
    private final String audience;

    public TokenIssuer(KeySource keys, Optional<String> signingKid, String issuer, String audience) {
        this.keys = keys;
        this.signingKid = signingKid;
        this.issuer = issuer;
        this.audience = audience;
    }

    /** A signed token for the account and subject with the given scopes, generation and lifetime. */
    public String issue(UUID account, String subject, Set<Scope> scopes, long generation, Instant issuedAt, Duration lifetime) {
        JwtKey key = keys.keys().signingKey(signingKid);
        return Jwts.builder()
                .json(new JacksonSerializer<>(Json.mapper()))
                .header().keyId(key.kid()).and()
                .issuer(issuer)
                .audience().add(audience).and()
                .subject(subject)
                .claim("acct", account.toString())
                .claim("scope", scopes.stream().map(Scope::claimValue).sorted().collect(Collectors.joining(" ")))
                .claim("gen", generation)
                .issuedAt(Date.from(issuedAt))
                .expiration(Date.from(issuedAt.plus(lifetime)))
                .signWith(key.signingKey().orElseThrow(), key.algorithm())
                .compact();
    }
}
