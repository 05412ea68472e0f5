package io.nuscape.api.internal;

import io.nuscape.core.people.Invitations;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The link an invited person opens: the dashboard's address with the token in the fragment, which browsers
 * never send to a server, so it stays out of access logs and Referer headers.
 */
public final class InvitationLinks {
    private final Optional<URI> publicUrl;

    /** {@code publicUrl}: the dashboard's address; when absent, the address (and stage) the request came to. */
    public InvitationLinks(Optional<URI> publicUrl) {
        this.publicUrl = publicUrl;
    }

    public Map<String, Object> describe(ContainerRequestContext request, Invitations.Invited invited) {
        String base = dashboardUrl(request);
        var out = new LinkedHashMap<String, Object>();
        out.put("url", base + "/#invitation=" + invited.token());
        out.put("expires_at", invited.expiresAt().toString());
        return out;
    }

    /** The dashboard's address (and the API's: they share one origin), without a trailing slash. */
    public String dashboardUrl(ContainerRequestContext request) {
        return publicUrl.map(URI::toString).map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u)
                .orElseGet(() -> SessionCookie.ownOrigin(request) + SessionCookie.basePath(request));
    }
}
