package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.Context;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** template.yaml against the code: every Handler exists in its CodeUri's module, every schedule parses. */
class TemplateTest {
    static final Path ROOT = Path.of("../..");

    @Test
    void everyHandlerNamesAClassAndMethodOfTheModuleItsBuildTargetPackages() throws Exception {
        SamTemplate template = SamTemplate.load(ROOT.resolve("template.yaml"));
        assertFalse(template.functions().isEmpty());
        for (SamTemplate.Function f : template.functions().values()) {
            // sam build runs build-<LogicalId> of the Makefile in CodeUri, which names the Maven module it packages.
            Path makefile = ROOT.resolve(f.codeUri()).resolve("Makefile");
            assertTrue(Files.exists(makefile), f.logicalId() + ": no Makefile in CodeUri " + f.codeUri());
            java.util.regex.Matcher target = java.util.regex.Pattern.compile("(?m)^build-" + f.logicalId()
                    + ":\\s*\\n\\s+\\S*build-lambda\\s+(\\S+)\\s").matcher(Files.readString(makefile));
            assertTrue(target.find(), f.logicalId() + ": no build-" + f.logicalId() + " target calling scripts/build-lambda in " + makefile);
            Path module = ROOT.resolve(target.group(1));
            Path source = module.resolve("src/main/java/" + f.handlerClass().replace('.', '/') + ".java");
            assertTrue(Files.exists(source), f.logicalId() + ": " + f.handlerClass() + " is not in " + module);
            Class<?> type = Class.forName(f.handlerClass());
            boolean found = Stream.of(type.getMethods()).anyMatch((Method m) -> m.getName().equals(f.handlerMethod())
                    && m.getParameterCount() == 2 && m.getParameterTypes()[1] == Context.class);
            assertTrue(found, f.logicalId() + ": no " + f.handlerMethod() + "(event, Context) in " + f.handlerClass());
        }
    }

    /** Every route of CONTRACT.md v1. */
    static final java.util.List<String> CONTRACT_ROUTES = java.util.List.of(
            "POST /api/v1/events/batch",
            "GET /api/v1/usage/top", "GET /api/v1/usage/timeseries", "GET /api/v1/devices",
            "POST /api/v1/accounts", "POST /api/v1/devices", "POST /api/v1/devices/{id}/token", "DELETE /api/v1/devices/{id}",
            "GET /api/v1/erasures/{id}", "GET /api/v1/policy", "PUT /api/v1/policy",
            "GET /healthz", "GET /metrics-lite");

    @Test
    void everyRouteOfTheContractIsRouted() throws Exception {
        SamTemplate template = SamTemplate.load(ROOT.resolve("template.yaml"));
        java.util.Set<String> routed = new java.util.HashSet<>();
        template.functions().values().forEach(f -> f.routes().forEach(r -> routed.add(r.method() + " " + r.path())));
        for (String route : CONTRACT_ROUTES) {
            assertTrue(routed.contains(route), route + " is in CONTRACT.md but not routed in template.yaml");
        }
    }

    @Test
    void everyScheduleParsesAndFires() throws Exception {
        SamTemplate template = SamTemplate.load(ROOT.resolve("template.yaml"));
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        template.functions().values().forEach(f -> f.schedules().forEach(s -> {
            try {
                assertTrue(ScheduleExpression.parse(s.expression()).next(now).isAfter(now));
            } catch (RuntimeException e) {
                fail(f.logicalId() + " schedule " + s.expression() + ": " + e.getMessage());
            }
        }));
    }

    /**
     * The samples are what a deployed API sends: the template's default stage is a named one, so its name
     * stands in front of the route in rawPath and http.path, as on AWS.
     */
    @Test
    void everySampleEventIsJsonAndEveryHttpOneHitsARouteUnderTheDeployedStage() throws Exception {
        SamTemplate template = SamTemplate.load(ROOT.resolve("template.yaml"));
        java.util.Set<String> routed = new java.util.HashSet<>();
        template.functions().values().forEach(f -> f.routes().forEach(r -> routed.add(r.method() + " " + r.path())));
        try (var files = Files.list(ROOT.resolve("events"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                com.fasterxml.jackson.databind.JsonNode event = io.nuscape.core.Json.mapper().readTree(Files.readString(file));
                if (event.has("routeKey")) {
                    assertTrue(routed.contains(event.get("routeKey").asText()), file + ": " + event.get("routeKey"));
                    assertEquals("2.0", event.get("version").asText(), file.toString());
                    String stage = template.parameterDefault("Stage");
                    String route = event.get("routeKey").asText().split(" ", 2)[1];
                    assertEquals(stage, event.at("/requestContext/stage").asText(), file + ": stage");
                    assertEquals("/" + stage + route.replaceAll("\\{[^/]+}", event.at("/pathParameters/id").asText("")),
                            event.get("rawPath").asText(), file + ": rawPath carries the stage");
                    assertEquals(event.get("rawPath").asText(), event.at("/requestContext/http/path").asText(), file + ": http.path");
                }
            }
        }
    }

    @Test
    void cronExpressionsFireWhenEventBridgeWould() {
        ZonedDateTime t = ZonedDateTime.of(2026, 11, 23, 10, 7, 30, 0, ZoneOffset.UTC);
        assertEquals(ZonedDateTime.of(2026, 11, 23, 10, 10, 0, 0, ZoneOffset.UTC), ScheduleExpression.parse("cron(0/5 * * * ? *)").next(t));
        assertEquals(ZonedDateTime.of(2026, 11, 24, 3, 0, 0, 0, ZoneOffset.UTC), ScheduleExpression.parse("cron(0 3 * * ? *)").next(t));
        // 2026-11-23 is a Monday; the next Sunday 02:15 is the 29th.
        assertEquals(ZonedDateTime.of(2026, 11, 29, 2, 15, 0, 0, ZoneOffset.UTC), ScheduleExpression.parse("cron(15 2 ? * SUN *)").next(t));
        assertEquals(t.plusMinutes(5), ScheduleExpression.parse("rate(5 minutes)").next(t));
    }
}
