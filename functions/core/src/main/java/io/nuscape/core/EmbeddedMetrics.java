package io.nuscape.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A CloudWatch Embedded Metric Format record (one JSON log line that CloudWatch turns into metrics) in the
 * NuScape namespace. A value that could not be read is left out rather than sent as a number, so alarms see
 * the metric missing; names ending in {@code Ms} are milliseconds, the others counts.
 */
public final class EmbeddedMetrics {
    private EmbeddedMetrics() {
    }

    /** The record for {@code values} (metric name to number or null), with {@code dimensions} (name to value). */
    public static Map<String, Object> of(Map<String, String> dimensions, Map<String, Object> values) {
        var present = new LinkedHashMap<String, Object>(values);
        present.values().removeIf(Objects::isNull);
        var metrics = present.keySet().stream()
                .map(name -> Map.of("Name", name, "Unit", name.endsWith("Ms") ? "Milliseconds" : "Count")).toList();
        var emf = new LinkedHashMap<String, Object>();
        emf.put("_aws", Map.of("Timestamp", System.currentTimeMillis(), "CloudWatchMetrics", List.of(Map.of(
                "Namespace", "NuScape", "Dimensions", List.of(List.copyOf(dimensions.keySet())), "Metrics", metrics))));
        emf.putAll(dimensions);
        emf.putAll(present);
        return emf;
    }
}
