package io.nuscape.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON configuration of the project: strict reading (duplicate keys, nesting depth, number length
 * bounded) so that hostile bodies fail fast, and one shared thread-safe mapper.
 *
 * <p>Plain values (maps with string keys, collections, strings, integers, doubles, booleans, null) are read
 * and written with jackson-core's streaming parser and generator alone, with the output databind would
 * give; the mapper (Jackson databind, some 500 classes) is created on first use only. Ingest deals in plain
 * values only, so its cold start never loads databind.
 */
public final class Json {
    /** Deeper than any legitimate body; bounds the parser's stack on hostile input. */
    public static final int MAX_NESTING_DEPTH = 32;

    public static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(64)
                    .maxStringLength(8 << 20)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    /** The shared mapper over {@link #FACTORY}, for trees, records and data binding; created on first use. */
    public static ObjectMapper mapper() {
        return Mapper.INSTANCE;
    }

    // Holder idiom: the mapper's classes load when mapper() is first called, not with Json.
    private static final class Mapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder(FACTORY)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * Serialises a value as the mapper would: plain values with the generator, anything else (a tree, a
     * record) through the mapper, also where it sits inside a plain map or list.
     */
    public static String write(Object value) {
        try {
            if (!isPlain(value)) {
                return mapper().writeValueAsString(value);
            }
            // A character generator, as the mapper's writeValueAsString uses: a lone surrogate in a string
            // comes out exactly as the mapper wrote it.
            StringWriter out = new StringWriter();
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                write(g, value);
            }
            return out.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /**
     * Reads one JSON value as the mapper's {@code readValue(json, Object.class)} would: objects as
     * {@link LinkedHashMap}, arrays as {@link ArrayList}, integers as the smallest of Integer, Long and
     * BigInteger that holds them, other numbers as Double; null for empty input. Strict as {@link #FACTORY}
     * is; like the mapper, it stops after the first value and does not look at what follows.
     */
    public static Object read(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken t = p.nextToken();
            return t == null ? null : value(p, t);
        }
    }

    /** {@code {"error": code, "message": message}}, the error body of CONTRACT.md. */
    public static String error(ErrorCode error, String message) {
        var body = new LinkedHashMap<String, Object>();
        body.put("error", error.code());
        body.put("message", message);
        return write(body);
    }

    private static boolean isPlain(Object value) {
        if (value instanceof Map<?, ?> m) {
            for (Object key : m.keySet()) {
                if (!(key instanceof String)) {
                    return false; // the mapper's key serialisers decide how such keys look
                }
            }
            return true;
        }
        return value == null || value instanceof String || value instanceof Integer || value instanceof Long
                || value instanceof Double || value instanceof Boolean || value instanceof Collection<?>;
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Double d -> g.writeNumber(d);
            case Boolean b -> g.writeBoolean(b);
            case Collection<?> c -> {
                g.writeStartArray();
                for (Object item : c) {
                    writeNested(g, item);
                }
                g.writeEndArray();
            }
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName((String) e.getKey());
                    writeNested(g, e.getValue());
                }
                g.writeEndObject();
            }
            default -> throw new IllegalArgumentException("not a plain value: " + value.getClass().getName());
        }
    }

    private static void writeNested(JsonGenerator g, Object value) throws IOException {
        if (isPlain(value)) {
            write(g, value);
        } else {
            mapper().writeValue(g, value);
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw new IOException("JSON ends inside a value"); // the parser fails first; a guard, not a path
        }
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    map.put(name, value(p, p.nextToken()));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken item;
                while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(value(p, item));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected JSON token " + t);
        };
    }
}
