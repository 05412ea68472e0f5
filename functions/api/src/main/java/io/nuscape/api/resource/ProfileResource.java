package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.text;

import io.nuscape.api.RequiresScope;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.profile.Profile;
import io.nuscape.core.profile.ProfileStore;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Profiles (CONTRACT.md "Profiles, categories, combined screen time"): created, renamed and deleted by admins, read by viewers. */
@Path("/api/v1/profiles")
public final class ProfileResource {
    private final ProfileStore profiles;
    private final Clock clock;

    public ProfileResource(ProfileStore profiles, Clock clock) {
        this.profiles = profiles;
        this.clock = clock;
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
