package io.nuscape.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * What the local runtime needs of {@code template.yaml}, the same file SAM deploys: every
 * {@code AWS::Serverless::Function} with its handler, timeout, literal environment (Globals and its own;
 * values built with intrinsic functions such as {@code !Ref} are AWS-only and left out), HttpApi routes and
 * ScheduleV2 schedules, and the HttpApi's stage. No second list of routes to keep in step.
 */
public record SamTemplate(Map<String, Function> functions, Map<String, String> parameterDefaults, String stage) {

    /** One function of the template. */
    public record Function(String logicalId, String handler, String codeUri, int timeoutSeconds, Map<String, String> environment,
                           List<Route> routes, List<Schedule> schedules) {
        public String handlerClass() {
            int sep = handler.indexOf("::");
            return sep < 0 ? handler : handler.substring(0, sep);
        }

        public String handlerMethod() {
            int sep = handler.indexOf("::");
            return sep < 0 ? "handleRequest" : handler.substring(sep + 2);
        }
    }

    /** An HttpApi route: method (or ANY) and path, with {@code {name}} path parameters. */
    public record Route(String method, String path) {
    }

    /** A ScheduleV2 event: its expression ({@code rate(...)} or {@code cron(...)}) and its JSON input. */
    public record Schedule(String name, String expression, String input) {
    }

    /** An intrinsic function ({@code !Ref}, {@code !Sub}, ...): meaningful only on AWS. */
    record Intrinsic(String tag, Object value) {
    }

    public static SamTemplate load(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    public static SamTemplate parse(String yaml) {
        Map<String, Object> root = (Map<String, Object>) new Yaml(new IntrinsicAwareConstructor()).load(yaml);
        Map<String, Object> globals = map(map(root.get("Globals")).get("Function"));
        Map<String, String> globalEnv = literals(map(map(globals.get("Environment")).get("Variables")));
        int globalTimeout = number(globals.get("Timeout"), 3);
        Map<String, Function> functions = new LinkedHashMap<>();
        map(root.get("Resources")).forEach((id, value) -> {
            Map<String, Object> resource = map(value);
            if (!"AWS::Serverless::Function".equals(resource.get("Type"))) {
                return;
            }
            Map<String, Object> props = map(resource.get("Properties"));
            Map<String, String> env = new LinkedHashMap<>(globalEnv);
            env.putAll(literals(map(map(props.get("Environment")).get("Variables"))));
            List<Route> routes = new ArrayList<>();
            List<Schedule> schedules = new ArrayList<>();
            map(props.get("Events")).forEach((name, ev) -> {
                Map<String, Object> event = map(ev);
                Map<String, Object> p = map(event.get("Properties"));
                switch (String.valueOf(event.get("Type"))) {
                    case "HttpApi" -> routes.add(new Route(String.valueOf(p.getOrDefault("Method", "ANY")).toUpperCase(java.util.Locale.ROOT),
                            String.valueOf(p.get("Path"))));
                    case "ScheduleV2", "Schedule" -> schedules.add(new Schedule(name, String.valueOf(p.get("ScheduleExpression")),
                            p.get("Input") instanceof String s ? s : "{}"));
                    default -> {
                    }
                }
            });
            functions.put(id, new Function(id, String.valueOf(props.get("Handler")), String.valueOf(props.get("CodeUri")),
                    number(props.get("Timeout"), globalTimeout), env, routes, schedules));
        });
        Map<String, String> defaults = new LinkedHashMap<>();
        map(root.get("Parameters")).forEach((name, p) -> {
            Object d = map(p).get("Default");
            if (d != null) {
                defaults.put(name, String.valueOf(d));
            }
        });
        String stage = "$default";
        for (Object value : map(root.get("Resources")).values()) {
            Map<String, Object> resource = map(value);
            if ("AWS::Serverless::HttpApi".equals(resource.get("Type"))) {
                Object name = map(resource.get("Properties")).get("StageName");
                if (name instanceof Intrinsic ref && ref.tag().equals("!Ref") && defaults.containsKey(String.valueOf(ref.value()))) {
                    stage = defaults.get(String.valueOf(ref.value()));
                } else if (name instanceof String literal) {
                    stage = literal;
                }
            }
        }
        return new SamTemplate(functions, defaults, stage);
    }

    /** A parameter's default value, or null. */
    public String parameterDefault(String name) {
        return parameterDefaults.get(name);
    }

    private static Map<String, String> literals(Map<String, Object> vars) {
        Map<String, String> out = new LinkedHashMap<>();
        vars.forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                out.put(k, String.valueOf(v));
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static int number(Object o, int fallback) {
        return o instanceof Number n ? n.intValue() : fallback;
    }

    /** Safe YAML, plus every {@code !Tag} turned into an {@link Intrinsic}. */
    private static final class IntrinsicAwareConstructor extends SafeConstructor {
        IntrinsicAwareConstructor() {
            super(new LoaderOptions());
            this.yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    Object value = switch (node) {
                        case ScalarNode s -> s.getValue();
                        case SequenceNode s -> constructSequence(s);
                        case MappingNode m -> constructMapping(m);
                        default -> null;
                    };
                    return new Intrinsic(node.getTag().getValue(), value);
                }
            });
        }
    }
}
