package io.nuscape.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.amazonaws.services.lambda.runtime.Context;
import io.nuscape.core.Settings;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;

/**
 * One function of the template, loaded the way Lambda loads it: the handler class named in
 * {@code template.yaml}, its handler method, events converted from JSON to the method's input type. The
 * instance is created with the local settings (a public {@code (Settings)} constructor) when the class has
 * one, else with its no-argument constructor.
 */
final class FunctionHost implements AutoCloseable {
    static final ObjectMapper EVENTS = JsonMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .build();

    private final SamTemplate.Function function;
    private final Object instance;
    private final Method method;
    private final Type input;
    private final java.util.function.BooleanSupplier cancelled;

    FunctionHost(SamTemplate.Function function, Settings settings, java.util.function.BooleanSupplier cancelled) {
        this.function = function;
        this.cancelled = cancelled;
        try {
            Class<?> type = Class.forName(function.handlerClass());
            this.instance = create(type, settings);
            this.method = find(type, function.handlerMethod());
            this.input = method.getGenericParameterTypes()[0];
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(function.logicalId() + ": cannot load handler " + function.handler() + ": " + e, e);
        }
    }

    private static Object create(Class<?> type, Settings settings) throws ReflectiveOperationException {
        // Only the settings constructor: a handler made with its no-argument one would read this machine's
        // environment, not this stack's servers (and reach for a Postgres on localhost:5432).
        try {
            return type.getConstructor(Settings.class).newInstance(settings);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type.getName() + " has no public constructor taking Settings: the local runtime cannot give it"
                    + " this stack's servers", e);
        }
    }

    private static Method find(Class<?> type, String name) throws NoSuchMethodException {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == 2 && m.getParameterTypes()[1] == Context.class
                    && !m.isBridge() && !m.isSynthetic()) {
                return m;
            }
        }
        throw new NoSuchMethodException(type.getName() + "::" + name + "(event, Context)");
    }

    SamTemplate.Function function() {
        return function;
    }

    /** Invokes with an event given as a JSON tree; returns the result as a JSON tree. */
    JsonNode invoke(JsonNode event, String requestId) {
        Object typed = EVENTS.convertValue(event, EVENTS.constructType(input));
        return EVENTS.valueToTree(invokeTyped(typed, requestId));
    }

    /** Invokes with an event already of the handler's input type. */
    Object invokeTyped(Object event, String requestId) {
        try {
            return method.invoke(instance, event, new LocalContext(requestId, function.logicalId(), function.timeoutSeconds(), cancelled));
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean takes(Class<?> eventType) {
        return input instanceof Class<?> c && c.isAssignableFrom(eventType);
    }

    @Override
    public void close() {
        if (instance instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Shutting down.
            }
        }
    }
}
