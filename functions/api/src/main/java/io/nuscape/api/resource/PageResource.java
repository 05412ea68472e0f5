package io.nuscape.api.resource;

import io.nuscape.api.Public;
import io.nuscape.api.internal.SessionCookie;
import io.nuscape.api.internal.WebPage;
import io.nuscape.core.ApiException;
import io.nuscape.core.ErrorCode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /} and {@code GET /assets/{file}}: the web dashboard, served by the API function itself so that
 * the page and the API share one origin (no CORS, the refresh cookie stays first-party). The page has no
 * data of its own: it signs in through the session routes.
 */
@Path("/")
public final class PageResource {
    private final WebPage page;

    public PageResource(WebPage page) {
        this.page = page;
    }

    @GET
    @Public
    public Response index(@Context ContainerRequestContext request, @HeaderParam("Accept-Encoding") String encodings,
                          @HeaderParam("If-None-Match") String etag) {
        return page.answer("index.html", SessionCookie.basePath(request), encodings, etag);
    }

    @GET
    @Path("assets/{file}")
    @Public
    public Response asset(@PathParam("file") String file, @HeaderParam("Accept-Encoding") String encodings,
                          @HeaderParam("If-None-Match") String etag) {
        if (file.equals("index.html")) {
            throw new ApiException(ErrorCode.NOT_FOUND, "no such route or resource"); // the page is at /, with its base path
        }
        return page.answer(file, "", encodings, etag);
    }
}
