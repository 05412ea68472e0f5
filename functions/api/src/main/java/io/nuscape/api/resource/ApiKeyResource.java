package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.text;
import static io.nuscape.api.internal.Requests.time;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.RequiresScope;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.people.ApiKey;
import io.nuscape.core.people.ApiKeyStore;
import io.nuscape.core.people.ApiKeys;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** API keys of the account (admin): created with scopes and an optional expiry, shown once, revoked at once. */
@Path("/api/v1/api-keys")
public final class ApiKeyResource {
    private final ApiKeys keys;
    private final ApiKeyStore store;
    private final Clock clock;

    public ApiKeyResource(ApiKeys keys, ApiKeyStore store, Clock clock) {
        this.keys = keys;
        this.store = store;
        this.clock = clock;
    }

    @POST
    @RequiresScope(Scope.ADMIN)
    public Response create(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = object(body);
        String name = text(b, "name", 200);
        Set<Scope> scopes = scopes(b.get("scopes"));
        Instant expires = null;
        JsonNode e = b.get("expires_at");
        if (e != null && !e.isNull()) {
            expires = time("expires_at", e.isTextual() ? e.asText() : "");
            if (!expires.isAfter(clock.instant())) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"expires_at\" must be in the future (or null for a key that does not expire)");
            }
        }
        if (p.subject().startsWith("api_key:") && !p.expiresAt().equals(Instant.MAX)
                && (expires == null || expires.isAfter(p.expiresAt()))) {
            // Otherwise a leaked key about to expire could make itself a successor that never does.
            throw new ApiException(ErrorCode.INVALID_REQUEST, "a key that expires can only create keys that expire no later than itself ("
                    + p.expiresAt() + "); set \"expires_at\"");
        }
        ApiKeys.Created created = keys.create(p.accountId(), name, scopes, expires, p.actor());
        var out = new LinkedHashMap<String, Object>();
        out.put("api_key_id", created.key().apiKeyId().toString());
        out.put("key", created.secret());
        out.put("name", created.key().name());
        out.put("scopes", labels(created.key().scopes()));
        out.put("expires_at", expires == null ? null : expires.toString());
        return json(201, out);
    }

    @GET
    @RequiresScope(Scope.ADMIN)
    public Response list(@Context ContainerRequestContext request) throws Exception {
        Instant now = clock.instant();
        List<Map<String, Object>> items = new ArrayList<>();
        for (ApiKey k : store.keys(principal(request).accountId())) {
            var item = new LinkedHashMap<String, Object>();
            item.put("api_key_id", k.apiKeyId().toString());
            item.put("name", k.name());
            item.put("prefix", k.prefix());
            item.put("scopes", labels(k.scopes()));
            item.put("created_at", k.createdAt().toString());
            item.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
            item.put("last_used_at", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
            item.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
            item.put("status", k.revokedAt() != null ? "revoked" : k.usableAt(now) ? "active" : "expired");
            items.add(item);
        }
        return json(200, Map.of("api_keys", items));
    }

    @DELETE
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response revoke(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        if (!store.revoke(principal(request).accountId(), id(id), change(request, clock))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    private static Set<Scope> scopes(JsonNode v) {
        String problem = "\"scopes\" must be a non-empty array of \"read\" and \"admin\"";
        if (v == null || !v.isArray() || v.isEmpty() || v.size() > 2) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, problem);
        }
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        for (JsonNode s : v) {
            switch (s.asText("")) {
                case "read" -> out.add(Scope.READ);
                case "admin" -> out.add(Scope.ADMIN);
                default -> throw new ApiException(ErrorCode.INVALID_REQUEST, problem);
            }
        }
        return out;
    }

    private static List<String> labels(Set<Scope> scopes) {
        return scopes.stream().map(Scope::claimValue).sorted().toList();
    }
}
