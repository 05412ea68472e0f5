package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.range;
import static io.nuscape.api.internal.Requests.zone;
import static io.nuscape.api.internal.Requests.text;

import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.Requests;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.event.EventRules;
import io.nuscape.core.profile.CombinedScreenTime;
import io.nuscape.core.usage.Buckets;
import io.nuscape.core.usage.Step;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.profile.Profile;
import io.nuscape.core.profile.ProfileStore;
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
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Profiles (CONTRACT.md "Profiles, categories, combined screen time"): created, renamed and deleted by admins, read by viewers,
 * with their combined screen time.
 */
@Path("/api/v1/profiles")
public final class ProfileResource {
    /** As many points as a time series may have. */
    static final int MAX_POINTS = 1500;

    private final ProfileStore profiles;
    private final CombinedScreenTime screenTime;
    private final Clock clock;

    public ProfileResource(ProfileStore profiles, CombinedScreenTime screenTime, Clock clock) {
        this.profiles = profiles;
        this.screenTime = screenTime;
        this.clock = clock;
    }

    /**
     * The profile's combined and summed time in use per bucket of the zone's clock or calendar (CONTRACT.md
     * "Profiles, categories, combined screen time"); the step follows the range unless given.
     */
    @GET
    @Path("/{id}/screen-time")
    @RequiresScope(Scope.READ)
    public Response screenTime(@Context ContainerRequestContext request, @PathParam("id") String id, @QueryParam("from") String from,
                               @QueryParam("to") String to, @QueryParam("tz") String tz, @QueryParam("step") String step,
                               @QueryParam("kind") String kind) throws Exception {
        UUID profile = id(id);
        Requests.TimeRange range = range(from, to, clock);
        ZoneId zone = zone(tz);
        String k = kind == null ? "screen" : kind;
        if (EventRules.kindProblem(k) != null) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"kind\": " + EventRules.kindProblem(k));
        }
        Buckets buckets = step == null ? defaultBuckets(range, zone) : buckets(range, Step.parse(step)
                .orElseThrow(() -> new ApiException(ErrorCode.INVALID_REQUEST, "\"step\" must be 1m, 5m, 60m, 1d or 1w")), zone);
        Step s = buckets.step();
        List<CombinedScreenTime.Point> points = screenTime.of(principal(request).accountId(), profile, k, buckets).orElseThrow(Requests::notFound);
        List<Map<String, Object>> out = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            var point = new LinkedHashMap<String, Object>();
            point.put("bucket_start", buckets.startText(i));
            point.put("combined_ms", points.get(i).combinedMs());
            point.put("sum_ms", points.get(i).sumMs());
            out.add(point);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("profile_id", profile.toString());
        body.put("from", range.from().toString());
        body.put("to", range.to().toString());
        body.put("tz", zone.getId());
        body.put("step", s.label());
        body.put("kind", k);
        body.put("points", out);
        return json(200, body);
    }

    private static Buckets buckets(Requests.TimeRange range, Step step, ZoneId zone) {
        return Requests.buckets(range, step, zone, MAX_POINTS);
    }

    /** The dashboards' step for the range, or the first coarser one whose buckets fit: asked without a step, a range always answers. */
    private static Buckets defaultBuckets(Requests.TimeRange range, ZoneId zone) {
        Step[] steps = Step.values();
        for (int i = Step.forRange(Duration.between(range.from(), range.to())).ordinal(); i < steps.length - 1; i++) {
            try {
                return Buckets.of(range.from(), range.to(), steps[i], zone, MAX_POINTS);
            } catch (Buckets.TooManyBucketsException e) {
                // next, coarser
            }
        }
        return buckets(range, steps[steps.length - 1], zone);
    }

    @POST
    @RequiresScope(Scope.ADMIN)
    public Response create(@Context ContainerRequestContext request, String body) throws Exception {
        String name = text(object(body), "name", 200);
        return json(201, describe(profiles.create(principal(request).accountId(), name, change(request, clock))));
    }

    @GET
    @RequiresScope(Scope.READ)
    public Response list(@Context ContainerRequestContext request) throws Exception {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Profile p : profiles.profiles(principal(request).accountId())) {
            items.add(describe(p));
        }
        return json(200, Map.of("profiles", items));
    }

    @PATCH
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response rename(@Context ContainerRequestContext request, @PathParam("id") String id, String body) throws Exception {
        UUID profile = id(id);
        String name = text(object(body), "name", 200);
        return json(200, describe(profiles.rename(principal(request).accountId(), profile, name, change(request, clock)).orElseThrow(() -> notFound())));
    }

    @DELETE
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response delete(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        if (!profiles.delete(principal(request).accountId(), id(id), change(request, clock))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    static Map<String, Object> describe(Profile p) {
        var out = new LinkedHashMap<String, Object>();
        out.put("profile_id", p.profileId().toString());
        out.put("name", p.name());
        out.put("created_at", p.createdAt().toString());
        out.put("device_ids", p.deviceIds().stream().map(UUID::toString).toList());
        return out;
    }
}
