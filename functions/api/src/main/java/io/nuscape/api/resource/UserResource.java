package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.change;
import static io.nuscape.api.internal.Requests.id;
import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.notFound;
import static io.nuscape.api.internal.Requests.object;
import static io.nuscape.api.internal.Requests.principal;
import static io.nuscape.api.internal.Requests.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.RequiresScope;
import io.nuscape.api.internal.InvitationLinks;
import io.nuscape.core.auth.Principal;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.people.Invitations;
import io.nuscape.core.people.Role;
import io.nuscape.core.people.User;
import io.nuscape.core.people.UserStore;
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

/** The account's users (admin): invite, list, change role, remove; an account always keeps an active admin. */
@Path("/api/v1/users")
public final class UserResource {
    private final UserStore users;
    private final Invitations invitations;
    private final InvitationLinks links;
    private final Clock clock;

    public UserResource(UserStore users, Invitations invitations, InvitationLinks links, Clock clock) {
        this.users = users;
        this.invitations = invitations;
        this.links = links;
        this.clock = clock;
    }

    @POST
    @RequiresScope(Scope.ADMIN)
    public Response invite(@Context ContainerRequestContext request, String body) throws Exception {
        Principal p = principal(request);
        JsonNode b = object(body);
        String email = text(b, "email", 254);
        Role role = Role.parse(text(b, "role", 20));
        Invitations.Invited invited = invitations.invite(p.accountId(), email, role, p.actor());
        Map<String, Object> out = describe(invited.user());
        out.put("invitation", links.describe(request, invited));
        return json(201, out);
    }

    @GET
    @RequiresScope(Scope.ADMIN)
    public Response list(@Context ContainerRequestContext request) throws Exception {
        List<Map<String, Object>> items = new ArrayList<>();
        for (User u : users.users(principal(request).accountId())) {
            items.add(describe(u));
        }
        return json(200, Map.of("users", items));
    }

    @PATCH
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response changeRole(@Context ContainerRequestContext request, @PathParam("id") String id, String body) throws Exception {
        UUID user = id(id);
        Role role = Role.parse(text(object(body), "role", 20));
        User changed = users.changeRole(principal(request).accountId(), user, role, change(request, clock)).orElseThrow(() -> notFound());
        return json(200, describe(changed));
    }

    @DELETE
    @Path("/{id}")
    @RequiresScope(Scope.ADMIN)
    public Response remove(@Context ContainerRequestContext request, @PathParam("id") String id) throws Exception {
        UUID user = id(id);
        if (!users.delete(principal(request).accountId(), user, change(request, clock))) {
            throw notFound();
        }
        return Response.noContent().build();
    }

    static Map<String, Object> describe(User u) {
        var out = new LinkedHashMap<String, Object>();
        out.put("user_id", u.userId().toString());
        out.put("email", u.email());
        out.put("role", u.role().label());
        out.put("status", u.status());
        out.put("created_at", u.createdAt().toString());
        return out;
    }
}
