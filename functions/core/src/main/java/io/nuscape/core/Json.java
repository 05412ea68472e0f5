package io.nuscape.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON configuration of the project: strict reading (duplicate keys, nesting depth, number length
 * bounded) so that hostile bodies fail fast, and one shared thread-safe mapper.
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

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {
    }

    /** Serialises a value with the shared mapper; values here are plain maps, lists and records. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /** {@code {"error": code, "message": message}}, the error body of CONTRACT.md. */
    public static String error(ErrorCode error, String message) {
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("error", error.code());
        body.put("message", message);
        return write(body);
    }
}
