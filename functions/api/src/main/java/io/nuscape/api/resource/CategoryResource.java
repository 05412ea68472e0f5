package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.RequiresScope;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.category.Categories;
import io.nuscape.core.category.CategoryRule;
import io.nuscape.core.category.CategoryStore;
import io.nuscape.core.category.StarterRules;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;
import java.util.Map;

/**
 * The account's category rules (CONTRACT.md): read by viewers, replaced whole by admins, and the project's
 * starter set to begin from. Rules apply when usage is read, so a change applies to all past data.
 */
@Path("/api/v1/categories")
public final class CategoryResource {
    private final Categories categories;
    private final Clock clock;

    public CategoryResource(Categories categories, Clock clock) {
        this.categories = categories;
        this.clock = clock;
    }

    @GET
    @RequiresScope(Scope.READ)
    public Response rules(@Context ContainerRequestContext request) throws Exception {
        return json(200, describe(categories.rules(principal(request).accountId())));
    }

    @PUT
    @RequiresScope(Scope.ADMIN)
    public Response replace(@Context ContainerRequestContext context, String body) throws Exception {
        JsonNode request = object(body);
        JsonNode list = request.get("rules");
        if (list == null || !list.isArray()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"rules\" must be an array of {category, kind, match, pattern}");
        }
        if (list.size() > Categories.MAX_RULES) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "at most " + Categories.MAX_RULES + " rules, got " + list.size());
        }
        List<CategoryRule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode r = list.get(i);
            if (!r.isObject()) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "rule " + i + ": must be an object");
            }
            rules.add(CategoryRule.of(i, textOrNull(r, "category"), textOrNull(r, "kind"), textOrNull(r, "match"), textOrNull(r, "pattern")));
        }
        // "version": the version the admin edited; a change made meanwhile (another tab, another admin) is not overwritten.
        JsonNode v = request.get("version");
        OptionalLong expected = OptionalLong.empty();
        if (v != null && !v.isNull()) {
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"version\" must be the non-negative integer GET /api/v1/categories gave");
            }
            expected = OptionalLong.of(v.asLong());
        }
        return json(200, describe(categories.replace(principal(context).accountId(), rules, expected, change(context, clock))
                .orElseThrow(() -> new ApiException(ErrorCode.CONFLICT, "the rules changed since version " + v.asLong()
                        + ": read them again (GET /api/v1/categories) and apply your edit to the current version"))));
    }

    @GET
    @Path("/starter")
    @RequiresScope(Scope.READ)
    public Response starter() {
        return json(200, Map.of("rules", items(StarterRules.rules())));
    }

    private static String textOrNull(JsonNode r, String field) {
        JsonNode v = r.get(field);
        return v == null || v.isNull() ? null : v.isTextual() ? v.asText() : "";
    }

    private static Map<String, Object> describe(CategoryStore.RuleSet set) {
        var out = new LinkedHashMap<String, Object>();
        out.put("version", set.version());
        out.put("rules", items(set.rules()));
        return out;
    }

    private static List<Map<String, Object>> items(List<CategoryRule> rules) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CategoryRule r : rules) {
            var item = new LinkedHashMap<String, Object>();
            item.put("category", r.category());
            item.put("kind", r.kind());
            item.put("match", r.match().label());
            item.put("pattern", r.pattern());
            out.add(item);
        }
        return out;
    }
}
