package io.nuscape.core.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.Locator;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.io.AbstractDeserializer;
import io.jsonwebtoken.io.DeserializationException;
import io.nuscape.core.Json;
import java.io.Reader;
import java.io.StringWriter;
import java.security.Key;
import java.time.Clock;
import java.util.Date;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Verifies {@code Authorization: Bearer} tokens as CONTRACT.md says: compact JWS only (never
 * {@code alg: none}), the key chosen by {@code kid} and used only with its own {@code alg}, then
 * {@code iss}, {@code aud}, {@code exp} (required), {@code nbf} with 60 s of skew, {@code acct} and
 * {@code scope}.
 */
public final class TokenVerifier {
    public static final long CLOCK_SKEW_SECONDS = 60;
    private static final int MAX_TOKEN_CHARS = 8192;
    /** How long a verified token is trusted without verifying it again (bounded by its own expiry). */
    static final long CACHE_MILLIS = 60_000;
    private static final int CACHE_MAX_ENTRIES = 20_000;

    private final JwtParser parser;
    private final String audience;
    private final Clock clock;
    // A device sends the same token on every upload: verifying it once a minute instead of on every request
    // takes JWT parsing off the hot path. Revocation is unaffected (ingest checks it in Redis each time).
    private final java.util.concurrent.ConcurrentHashMap<String, Cached> verified = new java.util.concurrent.ConcurrentHashMap<>();

    private record Cached(Principal principal, long validUntilMillis) {
    }

    public TokenVerifier(KeySource keys, String issuer, String audience) {
        this(keys, issuer, audience, Clock.systemUTC());
    }

    public TokenVerifier(KeySource keys, String issuer, String audience, Clock clock) {
        this.audience = audience;
        this.clock = clock;
        this.parser = Jwts.parser()
                .keyLocator(new KidLocator(keys))
                .clockSkewSeconds(CLOCK_SKEW_SECONDS)
                .clock(() -> Date.from(clock.instant()))
                .requireIssuer(issuer)
                .json(new PlainJson())
                .build();
    }

    /** Verifies the value of an Authorization header; the message of a rejection is safe to return to the client. */
    public Principal verifyAuthorization(String authorizationHeader) throws TokenRejectedException {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw new TokenRejectedException("missing Authorization header; send 'Authorization: Bearer <token>'");
        }
        String value = authorizationHeader.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new TokenRejectedException("Authorization header must use the Bearer scheme");
        }
        return verify(value.substring(7).strip());
    }

    /** Verifies a compact JWS. */
    public Principal verify(String token) throws TokenRejectedException {
        if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejectedException("token is empty or too long");
        }
        long now = clock.millis();
        Cached cached = verified.get(token);
        if (cached != null) {
            if (now < cached.validUntilMillis()) {
                return cached.principal();
            }
            verified.remove(token);
        }
        Principal principal = parse(token);
        long until = Math.min(now + CACHE_MILLIS, principal.expiresAt().toEpochMilli());
        if (until > now) {
            if (verified.size() >= CACHE_MAX_ENTRIES) {
                verified.clear(); // crude but bounded; a full cache means many devices, each re-verifies once
            }
            verified.put(token, new Cached(principal, until));
        }
        return principal;
    }

    private Principal parse(String token) throws TokenRejectedException {
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            throw new TokenRejectedException("token has expired; get a new one");
        } catch (PrematureJwtException e) {
            throw new TokenRejectedException("token is not valid yet (nbf is in the future)");
        } catch (io.jsonwebtoken.IncorrectClaimException | io.jsonwebtoken.MissingClaimException e) {
            throw new TokenRejectedException("token has the wrong issuer");
        } catch (KeyRejected e) {
            throw new TokenRejectedException(e.getMessage());
        } catch (io.jsonwebtoken.security.SignatureException e) {
            throw new TokenRejectedException("token signature does not verify");
        } catch (io.jsonwebtoken.UnsupportedJwtException e) {
            throw new TokenRejectedException("token must be a signed JWS with alg HS256 or ES256");
        } catch (JwtException | IllegalArgumentException e) {
            throw new TokenRejectedException("token is malformed");
        }
        return principal(claims);
    }

    private Principal principal(Claims claims) throws TokenRejectedException {
        if (claims.getExpiration() == null) {
            throw new TokenRejectedException("token has no exp claim; tokens must expire");
        }
        Set<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(audience)) {
            throw new TokenRejectedException("token audience must contain '" + audience + "'");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new TokenRejectedException("token has no sub claim");
        }
        UUID account = uuidClaim(claims.get("acct"), "acct");
        Object scopeClaim = claims.get("scope");
        if (!(scopeClaim instanceof String scopeText) || scopeText.isBlank()) {
            throw new TokenRejectedException("token has no scope claim");
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : scopeText.trim().split("\\s+")) {
            Scope.parse(s).ifPresent(scopes::add);
        }
        Object gen = claims.get("gen");
        long generation;
        if (gen == null) {
            generation = 0;
        } else if (gen instanceof Integer || gen instanceof Long) {
            generation = ((Number) gen).longValue();
        } else {
            throw new TokenRejectedException("token gen claim must be an integer");
        }
        if (scopes.contains(Scope.INGEST)) {
            uuidClaim(subject, "sub");
        }
        return new Principal(account, subject, scopes, generation, claims.getExpiration().toInstant());
    }

    private static UUID uuidClaim(Object value, String name) throws TokenRejectedException {
        if (value instanceof String s && Uuids.isCanonical(s)) {
            return UUID.fromString(s);
        }
        throw new TokenRejectedException("token " + name + " claim must be a UUID");
    }

    /** Finds the key by kid and refuses it for any alg but its own (defeats alg confusion). */
    private record KidLocator(KeySource keys) implements Locator<Key> {
        @Override
        public Key locate(Header header) {
            if (!(header instanceof JwsHeader jws)) {
                throw new KeyRejected("token must be a signed JWS");
            }
            String kid = jws.getKeyId();
            if (kid == null) {
                throw new KeyRejected("token header has no kid");
            }
            JwtKey key = keys.find(kid).orElseThrow(() -> new KeyRejected("token kid is not a known key"));
            if (!key.alg().equals(jws.getAlgorithm())) {
                throw new KeyRejected("token alg does not match its key's alg");
            }
            return key.verificationKey();
        }
    }

    /**
     * Header and claims read with {@link Json#read}: the values jjwt's Jackson deserializer gave, as strictly,
     * without loading Jackson databind (ingest's cold start). Every failure here is a malformed token to jjwt.
     */
    private static final class PlainJson extends AbstractDeserializer<Map<String, ?>> {
        @Override
        @SuppressWarnings("unchecked")
        protected Map<String, ?> doDeserialize(Reader reader) throws Exception {
            StringWriter text = new StringWriter();
            reader.transferTo(text);
            if (Json.read(text.toString()) instanceof Map<?, ?> object) {
                return (Map<String, ?>) object; // Json.read's objects have string keys
            }
            throw new DeserializationException("not a JSON object");
        }
    }

    private static final class KeyRejected extends JwtException {
        KeyRejected(String message) {
            super(message);
        }
    }
}
