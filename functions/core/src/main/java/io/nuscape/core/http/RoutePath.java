package io.nuscape.core.http;

/**
 * The path an HTTP API (payload v2) request was routed on, without what API Gateway puts in front of it.
 * {@code rawPath} carries the stage of a named stage ({@code /prod/api/v1/...}) and, behind a custom
 * domain, the API mapping's base path; handlers must route on the path the API matched, or every route
 * misses as soon as the API is deployed anywhere but {@code $default}.
 */
public final class RoutePath {
    private RoutePath() {
    }

    /**
     * The routed path. With a route key such as {@code POST /api/v1/devices/{id}/token} the answer is the
     * trailing segments of {@code rawPath} that the route template matched, whatever prefix came before
     * them (stage or base path). Without a usable route key ({@code $default}, a greedy {@code {proxy+}}
     * route, or none), a leading {@code /<stage>} segment of a named stage is removed.
     */
    public static String of(String rawPath, String stage, String routeKey) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String template = templateOf(routeKey);
        if ("/".equals(template)) {
            return "/"; // the root route: API Gateway sends /prod and /prod/ alike
        }
        if (template != null && !template.contains("+}")) {
            int wanted = segments(template);
            int start = rawPath.length();
            for (int found = 0; found < wanted && start > 0; found++) {
                start = rawPath.lastIndexOf('/', start - 1);
                if (start < 0) {
                    return stripStage(rawPath, stage); // fewer segments than the route: not what API Gateway sends
                }
            }
            return start == 0 ? rawPath : rawPath.substring(start);
        }
        return stripStage(rawPath, stage);
    }

    private static String templateOf(String routeKey) {
        if (routeKey == null) {
            return null;
        }
        int space = routeKey.indexOf(' ');
        String path = space < 0 ? null : routeKey.substring(space + 1);
        return path != null && path.startsWith("/") ? path : null;
    }

    private static int segments(String path) {
        int n = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    private static String stripStage(String rawPath, String stage) {
        if (stage == null || stage.isEmpty() || stage.equals("$default")) {
            return rawPath;
        }
        String prefix = "/" + stage;
        if (rawPath.equals(prefix)) {
            return "/";
        }
        return rawPath.startsWith(prefix + "/") ? rawPath.substring(prefix.length()) : rawPath;
    }
}
