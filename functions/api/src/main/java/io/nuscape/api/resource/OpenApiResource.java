package io.nuscape.api.resource;

import io.nuscape.api.Public;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /api/v1/openapi.json}: the OpenAPI 3 document of CONTRACT v1, as kept in this repository. */
@Path("/api/v1/openapi.json")
public final class OpenApiResource {
    public static final String DOCUMENT = load();

    private static String load() {
        try (InputStream in = OpenApiResource.class.getResourceAsStream("/io/nuscape/api/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GET
    @Public
    public Response document() {
        return Response.ok(DOCUMENT, "application/json; charset=utf-8").build();
    }
}
