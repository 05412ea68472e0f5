package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.zone;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.Requests;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.Uuids;
import io.nuscape.core.event.EventRules;
import io.nuscape.core.limit.Limit;
import io.nuscape.core.limit.LimitEvaluator;
import io.nuscape.core.limit.LimitStatus;
import io.nuscape.core.limit.LimitStore;
import io.nuscape.core.limit.LimitTarget;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Daily limits (CONTRACT.md "Limits, alerts, quotas"): set, changed and removed by admins, read with their
 * status by viewers.
 */
@Path("/api/v1/limits")
public final class LimitResource {
    /** The longest a limit's day can be counted (a whole day) and a warning can come before it. */
    static final long DAY_MS = 86_400_000L;
    static final int MAX_WARNINGS = 5;
    /** How far back a status may be asked: the longest any rollup is kept (CONTRACT.md's range limit). */
    static final int MAX_DAYS_BACK = 400;

    private final LimitStore limits;
    private final LimitEvaluator evaluator;
    private final Clock clock;

    public LimitResource(LimitStore limits, LimitEvaluator evaluator, Clock clock) {
        this.limits = limits;
        this.evaluator = evaluator;
        this.clock = clock;
    }

    @POST
    @RequiresScope(Scope.ADMIN)
    public Response create(@Context ContainerRequestContext request, String body) throws Exception {
        JsonNode b = object(body);
        UUID profile = optionalId(b, "profile_id");
        UUID device = optionalId(b, "device_id");
        if ((profile == null) == (device == null)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "send \"profile_id\" or \"device_id\" (one of them)");
        }
        LimitTarget target = target(b.get("target"));
        long daily = dailyMs(b.get("daily_ms"));
        ZoneId zone = zone(tzText(b.get("tz")));
        List<Long> warnings = b.has("warn_before_ms") ? warnings(b.get("warn_before_ms")) : List.of();
        if (!warnings.isEmpty() && warnings.get(0) >= daily) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "every \"warn_before_ms\" must be less than \"daily_ms\": a warning comes before the limit");
        }
        var now = clock.instant();
        Limit limit = new Limit(UUID.randomUUID(), principal(request).accountId(), profile, device, target, daily, zone, warnings, now, now);
        return json(201, describe(limits.create(limit, change(request, clock))));
    }

    @GET
    @RequiresScope(Scope.READ)
    public Response list(@Context ContainerRequestContext request) throws Exception {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Limit l : limits.limits(principal(request).accountId())) {
            items.add(describe(l));
        }
        return json(200, Map.of("limits", items));
    }

    @GET
    @Path("/{id}")
    @RequiresScope(Scope.READ)
    public Response read(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        return json(200, describe(limits.limit(principal(request).accountId(), id(id)).orElseThrow(Requests::notFound)));
    }

    /** Changes {@code daily_ms}, {@code tz} or {@code warn_before_ms}; a mid-day change applies to that day's status at once. */
    @PATCH
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response update(@Context ContainerRequestContext request, @PathParam("id") String id, String body) throws Exception {
        UUID limitId = id(id);
        JsonNode b = object(body);
        for (String fixed : List.of("profile_id", "device_id", "target")) {
            if (b.has(fixed)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + fixed + "\" cannot change: delete the limit and create another");
            }
        }
        Long daily = b.has("daily_ms") ? dailyMs(b.get("daily_ms")) : null;
        if (b.has("tz") && b.get("tz").isNull()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"tz\" must be an IANA time zone name, e.g. Europe/Paris");
        }
        ZoneId zone = b.has("tz") ? zone(tzText(b.get("tz"))) : null;
        List<Long> warnings = b.has("warn_before_ms") ? warnings(b.get("warn_before_ms")) : null;
        if (daily == null && zone == null && warnings == null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "send \"daily_ms\", \"tz\" or \"warn_before_ms\"");
        }
        return json(200, describe(limits.update(principal(request).accountId(), limitId, daily, zone, warnings, change(request, clock))
                .orElseThrow(Requests::notFound)));
    }

    @DELETE
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response delete(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        if (!limits.delete(principal(request).accountId(), id(id), change(request, clock))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    /** Today's status in the limit's zone, or that of {@code day} (YYYY-MM-DD). */
    @GET
    @Path("/{id}/status")
    @RequiresScope(Scope.READ)
    public Response status(@Context ContainerRequestContext request, @PathParam("id") String id, @QueryParam("day") String day) throws Exception {
        Limit limit = limits.limit(principal(request).accountId(), id(id)).orElseThrow(Requests::notFound);
        LimitStatus s;
        if (day == null) {
            s = evaluator.status(limit, clock.instant());
        } else {
            LocalDate asked;
            try {
                asked = LocalDate.parse(day);
            } catch (DateTimeParseException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"day\" must be a date, e.g. 2026-11-23");
            }
            LocalDate today = LocalDate.ofInstant(clock.instant(), limit.zone());
            if (asked.isBefore(today.minusDays(MAX_DAYS_BACK)) || asked.isAfter(today.plusDays(1))) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"day\" must lie within the last " + MAX_DAYS_BACK + " days of the limit's zone");
            }
            s = evaluator.status(limit, asked);
        }
        var out = new LinkedHashMap<String, Object>();
        out.put("limit_id", limit.limitId().toString());
        out.put("day", s.day().toString());
        out.put("tz", limit.zone().getId());
        out.put("used_ms", s.usedMs());
        out.put("remaining_ms", s.remainingMs());
        out.put("state", s.state());
        return json(200, out);
    }

    private static UUID optionalId(JsonNode b, String field) {
        JsonNode v = b.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || !Uuids.isCanonical(v.asText())) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + field + "\" must be a UUID");
        }
        return UUID.fromString(v.asText());
    }

    private static LimitTarget target(JsonNode t) {
        String shapes = "\"target\" must be {\"all\": true}, {\"category\": \"<name>\"} or {\"kind\": \"<kind>\", \"key\": \"<key>\"}";
        if (t == null || !t.isObject()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, shapes);
        }
        if (t.size() == 1 && t.has("all") && t.get("all").isBoolean() && t.get("all").asBoolean()) {
            return new LimitTarget.All();
        }
        if (t.size() == 1 && t.has("category")) {
            JsonNode c = t.get("category");
            if (!c.isTextual() || c.asText().isBlank() || c.asText().length() > 50 || c.asText().chars().anyMatch(Character::isISOControl)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"target.category\" must be 1 to 50 characters without control characters");
            }
            return new LimitTarget.Category(c.asText());
        }
        if (t.size() == 2 && t.has("kind") && t.has("key") && t.get("kind").isTextual() && t.get("key").isTextual()) {
            String kind = t.get("kind").asText();
            String key = t.get("key").asText();
            if (EventRules.kindProblem(kind) != null) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"target.kind\": " + EventRules.kindProblem(kind));
            }
            if (EventRules.keyProblem(key) != null) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "\"target.key\": " + EventRules.keyProblem(key));
            }
            return new LimitTarget.Key(kind, key);
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST, shapes);
    }

    private static long dailyMs(JsonNode v) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > DAY_MS) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"daily_ms\" must be an integer from 0 to 86400000 (a day)");
        }
        return v.asLong();
    }

    private static String tzText(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"tz\" must be an IANA time zone name, e.g. Europe/Paris");
        }
        return v.asText();
    }

    private static List<Long> warnings(JsonNode v) {
        String rule = "\"warn_before_ms\" must be a list of at most " + MAX_WARNINGS + " distinct integers from 1 to 86400000, e.g. [900000, 300000]";
        if (v == null || !v.isArray() || v.size() > MAX_WARNINGS) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, rule);
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode w : v) {
            if (!w.isIntegralNumber() || !w.canConvertToLong() || w.asLong() < 1 || w.asLong() > DAY_MS || out.contains(w.asLong())) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, rule);
            }
            out.add(w.asLong());
        }
        out.sort(java.util.Comparator.reverseOrder());
        return out;
    }

    private static Map<String, Object> describe(Limit l) {
        var target = new LinkedHashMap<String, Object>();
        switch (l.target()) {
            case LimitTarget.All a -> target.put("all", true);
            case LimitTarget.Category c -> target.put("category", c.name());
            case LimitTarget.Key k -> {
                target.put("kind", k.kind());
                target.put("key", k.key());
            }
        }
        var out = new LinkedHashMap<String, Object>();
        out.put("limit_id", l.limitId().toString());
        out.put("profile_id", l.profileId() == null ? null : l.profileId().toString());
        out.put("device_id", l.deviceId() == null ? null : l.deviceId().toString());
        out.put("target", target);
        out.put("daily_ms", l.dailyMs());
        out.put("tz", l.zone().getId());
        out.put("warn_before_ms", l.warnBeforeMs());
        out.put("created_at", l.createdAt().toString());
        out.put("updated_at", l.updatedAt().toString());
        return out;
    }
}
