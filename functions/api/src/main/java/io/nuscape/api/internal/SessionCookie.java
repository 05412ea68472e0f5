package io.nuscape.api.internal;

import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The refresh cookie and the checks of the routes that read it. The cookie is {@code HttpOnly} (no script
 * reads it), {@code SameSite=Strict} (no other site's page sends it), scoped to the sessions path, and
 * {@code Secure} except on {@code http://localhost} (the local stack). Requests to these routes from a
 * browser page of another origin are refused by their {@code Origin} header.
 */
public final class SessionCookie {
    public static final String NAME = "nuscape_refresh";
    public static final String PATH = "/api/v1/sessions";
    /** Set by the Lambda handler (never taken from the client): the stage or base path the request came through. */
    public static final String BASE_PATH_HEADER = "x-nuscape-base-path";

    private final List<String> allowedOrigins;

    /** {@code allowedOrigins}: origins besides the API's own whose pages may sign in (the configured public URL's, say). */
    public SessionCookie(List<String> allowedOrigins) {
        this.allowedOrigins = allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
    }

    /** The Set-Cookie value that stores the refresh token until the session ends. */
    public String set(ContainerRequestContext request, String token, Instant sessionExpiresAt, Instant now) {
        long maxAge = Math.max(0, Duration.between(now, sessionExpiresAt).toSeconds());
        return NAME + "=" + token + "; Path=" + basePath(request) + PATH + "; Max-Age=" + maxAge + attributes(request);
    }

    /** The Set-Cookie value that removes the cookie. */
    public String clear(ContainerRequestContext request) {
        return NAME + "=; Path=" + basePath(request) + PATH + "; Max-Age=0" + attributes(request);
    }

    /** The refresh token the request carries, or null. */
    public static String token(ContainerRequestContext request) {
        var cookie = request.getCookies().get(NAME);
        return cookie == null || cookie.getValue().isEmpty() ? null : cookie.getValue();
    }

    /**
     * Refuses a request a page of another origin made. Browsers send {@code Origin} with every POST and DELETE;
     * a request without one comes from a program, not a page another site could trick into sending it.
     */
    public void requireSameOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        String site = request.getHeaderString("Sec-Fetch-Site");
        if (origin == null && (site == null || site.equals("same-origin") || site.equals("none"))) {
            return;
        }
        if (origin != null && (origin.equalsIgnoreCase(ownOrigin(request)) || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT)))) {
            return;
        }
        throw new ApiException(ErrorCode.FORBIDDEN_ORIGIN, "this route only answers pages of the dashboard's own origin", Map.of());
    }

    /** The origin the request was sent to: the Host header with the scheme the gateway reports (https unless told). */
    public static String ownOrigin(ContainerRequestContext request) {
        String proto = request.getHeaderString("X-Forwarded-Proto");
        String scheme = proto != null && proto.strip().equalsIgnoreCase("http") ? "http" : "https";
        String host = request.getHeaderString("Host");
        return scheme + "://" + (host == null ? "" : host.strip().toLowerCase(Locale.ROOT));
    }

    /** The path in front of the API's routes ({@code /prod} behind a named stage), or empty. */
    public static String basePath(ContainerRequestContext request) {
        String base = request.getHeaderString(BASE_PATH_HEADER);
        return base != null && base.matches("(/[A-Za-z0-9._~-]+)+") ? base : "";
    }

    private static String attributes(ContainerRequestContext request) {
        return "; HttpOnly" + (isLocalhost(request) ? "" : "; Secure") + "; SameSite=Strict";
    }

    /** Plain http to this machine: the only place a cookie may go without {@code Secure}. */
    static boolean isLocalhost(ContainerRequestContext request) {
        String origin = ownOrigin(request);
        return origin.matches("http://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?");
    }
}
