package io.nuscape.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What API Gateway puts in front of the routed path is removed, whatever the stage or mapping. */
class RoutePathTest {
    @Test
    void aNamedStageIsRemoved() {
        assertEquals("/api/v1/events/batch", RoutePath.of("/prod/api/v1/events/batch", "prod", "POST /api/v1/events/batch"));
        assertEquals("/healthz", RoutePath.of("/prod/healthz", "prod", "GET /healthz"));
        assertEquals("/api/v1/devices/0f8c/token",
                RoutePath.of("/prod/api/v1/devices/0f8c/token", "prod", "POST /api/v1/devices/{id}/token"));
    }

    @Test
    void theDefaultStageHasNothingToRemove() {
        assertEquals("/api/v1/events/batch", RoutePath.of("/api/v1/events/batch", "$default", "POST /api/v1/events/batch"));
        assertEquals("/healthz", RoutePath.of("/healthz", null, null));
    }

    @Test
    void aCustomDomainBasePathIsRemovedByTheRouteItMatched() {
        assertEquals("/api/v1/usage/top", RoutePath.of("/analytics/v2/api/v1/usage/top", "prod", "GET /api/v1/usage/top"));
    }

    @Test
    void withoutARouteTemplateOnlyTheStageSegmentIsRemoved() {
        assertEquals("/api/v1/x", RoutePath.of("/prod/api/v1/x", "prod", "$default"));
        assertEquals("/api/v1/x", RoutePath.of("/prod/api/v1/x", "prod", "ANY /{proxy+}"));
        assertEquals("/production/x", RoutePath.of("/production/x", "prod", "$default"), "a longer segment is not the stage");
        assertEquals("/", RoutePath.of("/prod", "prod", "$default"));
    }

    @Test
    void encodedSlashesInsideASegmentDoNotShiftTheRoute() {
        assertEquals("/api/v1/devices/a%2Fb", RoutePath.of("/prod/api/v1/devices/a%2Fb", "prod", "DELETE /api/v1/devices/{id}"));
    }
}
