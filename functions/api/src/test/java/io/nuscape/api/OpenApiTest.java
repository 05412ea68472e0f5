package io.nuscape.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuscape.api.resource.OpenApiResource;
import io.nuscape.core.Json;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document and the application agree: every documented operation exists and every route is documented. */
class OpenApiTest {
    static final Map<Class<? extends Annotation>, String> METHODS = Map.of(GET.class, "get", POST.class, "post", PUT.class, "put",
            PATCH.class, "patch", DELETE.class, "delete");

    @Test
    void theDocumentDescribesExactlyTheRoutesTheApplicationHas() throws Exception {
        Set<String> routes = new TreeSet<>();
        for (Class<?> resource : List.of(io.nuscape.api.resource.ControlPlaneResource.class, io.nuscape.api.resource.UsageResource.class,
                io.nuscape.api.resource.OperationsResource.class, OpenApiResource.class, io.nuscape.api.resource.SessionResource.class,
                io.nuscape.api.resource.UserResource.class, io.nuscape.api.resource.ApiKeyResource.class,
                io.nuscape.api.resource.AuditResource.class, io.nuscape.api.resource.ProfileResource.class, io.nuscape.api.resource.LimitResource.class,
                io.nuscape.api.resource.CategoryResource.class, io.nuscape.api.resource.WebhookResource.class,
                io.nuscape.api.resource.PageResource.class)) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                for (var e : METHODS.entrySet()) {
                    if (m.isAnnotationPresent(e.getKey())) {
                        Path sub = m.getAnnotation(Path.class);
                        String path = (base + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                        routes.add(e.getValue() + " " + path);
                    }
                }
            }
        }
        routes.add("post /api/v1/events/batch"); // IngestFunction's route, documented in the same contract
        JsonNode doc = Json.mapper().readTree(OpenApiResource.DOCUMENT);
        assertEquals("3.0.3", doc.get("openapi").asText());
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> documented.add(m + " " + p.getKey())));
        assertEquals(routes, documented);
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op ->
                assertTrue(op.getValue().has("security") && op.getValue().has("responses"), p.getKey() + " " + op.getKey())));
    }
}
