package io.nuscape.api.resource;

import static io.nuscape.api.internal.Requests.json;
import static io.nuscape.api.internal.Requests.object;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.Public;
import io.nuscape.api.internal.SessionCookie;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import io.nuscape.core.people.Sessions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signing in and out (CONTRACT.md "People, sessions and keys"): sessions from a password or an accepted
 * invitation, refreshed through the {@code HttpOnly} cookie, which only the dashboard's own origin may use.
 */
@Path("/api/v1")
public final class SessionResource {
    private final Sessions sessions;
    private final SessionCookie cookie;
    private final Clock clock;

    public SessionResource(Sessions sessions, SessionCookie cookie, Clock clock) {
        this.sessions = sessions;
        this.cookie = cookie;
        this.clock = clock;
    }

    @POST
    @Path("/sessions")
    @Public
    public Response signIn(@Context ContainerRequestContext request, @Context HttpServletRequest http, String body) throws Exception {
        cookie.requireSameOrigin(request);
        JsonNode b = object(body);
        String email = field(b, "email");
        String password = field(b, "password");
        return answer(request, 201, sessions.signIn(email, password, http.getRemoteAddr()));
    }

    @POST
    @Path("/sessions/refresh")
    @Public
    public Response refresh(@Context ContainerRequestContext request) throws Exception {
        cookie.requireSameOrigin(request);
        try {
            return answer(request, 200, sessions.refresh(SessionCookie.token(request)));
        } catch (ApiException e) {
            // The cookie is of no use any more: drop it, so the page stops sending it.
            Map<String, String> headers = new HashMap<>(e.headers());
            headers.put(HttpHeaders.SET_COOKIE, cookie.clear(request));
            throw new ApiException(e.error(), e.getMessage(), headers);
        }
    }

    @DELETE
    @Path("/sessions/current")
    @Public
    public Response signOut(@Context ContainerRequestContext request) throws Exception {
        cookie.requireSameOrigin(request);
        sessions.signOut(SessionCookie.token(request));
        return Response.noContent().header(HttpHeaders.SET_COOKIE, cookie.clear(request)).build();
    }

    @POST
    @Path("/invitations/{token}/accept")
    @Public
    public Response accept(@Context ContainerRequestContext request, @PathParam("token") String token, String body) throws Exception {
        cookie.requireSameOrigin(request);
        String password = field(object(body), "password");
        if (token == null || token.length() > 100) {
            throw new ApiException(ErrorCode.NOT_FOUND, "this invitation link is not valid; ask an admin of the account for a new one");
        }
        return answer(request, 201, sessions.accept(token, password));
    }

    private Response answer(ContainerRequestContext request, int status, Sessions.SignedIn in) {
        var user = new LinkedHashMap<String, Object>();
        user.put("user_id", in.user().userId().toString());
        user.put("email", in.user().email());
        user.put("role", in.user().role().label());
        user.put("account_id", in.user().accountId().toString());
        var out = new LinkedHashMap<String, Object>();
        out.put("access_token", in.accessToken());
        out.put("expires_at", in.accessTokenExpiresAt().toString());
        out.put("user", user);
        return Response.fromResponse(json(status, out))
                .header(HttpHeaders.SET_COOKIE, cookie.set(request, in.refreshToken(), in.sessionExpiresAt(), clock.instant()))
                .build();
    }

    private static String field(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "\"" + name + "\" must be a non-empty string");
        }
        return v.asText();
    }
}
