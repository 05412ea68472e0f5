package io.nuscape.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@link Json#read} and {@link Json#write} against the mapper they stand in for: the same values (types
 * included: {@code Integer} is not {@code Long} to {@code equals}), the same text, the same refusals.
 */
class JsonTest {
    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    static final String[] READABLE = {
        "{}", "[]", "\"\"", "42", "true", "false", "null", " \n\t{\"a\" : 1 } \n",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\",\"f\":{}},\"g\":[[],[{}]]}",
        // Integers: each in the smallest of Integer, Long and BigInteger that holds it.
        "[0,-0,1,-1,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,9223372036854775808,"
                + "-9223372036854775808,-9223372036854775809,123456789012345678901234567890]",
        // Non-integers: Double, however many digits (out of range goes to infinity, as the mapper's does).
        "[0.0,-0.0,1.5,1e3,1E-7,1.0e+2,2.5e308,-2.5e308,1.7976931348623157e308,4.9e-324,1e-400,"
                + "3.14159265358979323846264338327950288,123456789012345678901234567890.5]",
        // Escapes, surrogate pairs escaped and raw, a lone surrogate, escaped controls.
        "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"\\u0041\\u00e9\\u4e2d\",\"\\ud83d\\ude00\",\"😀 é 中\",\"\\ud800 lone\","
                + "\"\\u0000\\u001f\"]",
        "{\"k\\u00e9y\":\"v\",\"😀\":1}",
        // Depth at the limit.
        nested(Json.MAX_NESTING_DEPTH),
        // Like the mapper's readValue, reading stops after the first value.
        "{\"a\":1} trailing", "[1]]", "1 2", "{} {",
    };

    static final String[] REFUSED = {
        "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}", "[{\"x\":1,\"x\":1}]",
        nested(Json.MAX_NESTING_DEPTH + 1), "{\"a\":" + nested(Json.MAX_NESTING_DEPTH) + "}",
        "1".repeat(65), "[" + "1".repeat(65) + "]",
        "[", "{", "{\"a\":}", "{\"a\" 1}", "{1:2}", "{'a':1}", "{\"a\":1,}", "[1,]", "[1 2]",
        "01", "[01]", "[-]", "[.5]", "[+1]", "[1.]", "[1e]", "NaN", "[NaN]", "[Infinity]", "[-Infinity]",
        "tru", "nul", "[True]", "{\"a\":1 /* c */}", "// c\n1", "\"unterminated", "[\"bad \\x escape\"]",
        "[\"raw control \u0001\"]", "[\"bad \\u12 escape\"]",
    };

    @Test
    void readsWhatTheMapperReads() throws Exception {
        for (String json : READABLE) {
            assertEquals(Json.mapper().readValue(json, Object.class), Json.read(json), json);
        }
    }

    @Test
    void refusesWhatTheMapperRefuses() {
        for (String json : REFUSED) {
            assertThrows(IOException.class, () -> Json.mapper().readValue(json, Object.class), json);
            assertThrows(IOException.class, () -> Json.read(json), json);
        }
    }

    @Test
    void emptyInputIsNull() throws Exception {
        // The mapper throws here instead; both callers (key set, token header and claims) refuse either way.
        assertNull(Json.read(""));
        assertNull(Json.read(" \n "));
    }

    record Pair(String name, int count) {
    }

    @Test
    void writesWhatTheMapperWrites() throws Exception {
        var answer = new LinkedHashMap<String, Object>();
        answer.put("batch_id", null);
        answer.put("accepted", 3);
        answer.put("rejected", List.of(Map.of("index", 3, "event_id", "é\"\\\n😀", "reason", "kind must be …")));
        answer.put("duplicate", false);
        var withNulls = new LinkedHashMap<String, Object>();
        withNulls.put("z", null);
        withNulls.put("a", new ArrayList<>(Arrays.asList(1, null, "x")));
        withNulls.put("m", new LinkedHashSet<>(List.of(2L, 1L)));
        List<Object> values = List.of(
                "", "quote\" back\\slash /slash \u0001\u001f\n\t\u007f\u2028", "é 中 😀", "\ud800 lone", "\udc00",
                Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE,
                0.1, -0.0, 1e-7, 1e21, 100.0, 12.345678901234567, Double.NaN, Double.POSITIVE_INFINITY,
                Double.MIN_VALUE, true, false, List.of(), Map.of(), answer, withNulls,
                List.of(List.of(List.of("deep")), Map.of("k", Map.of("k", List.of(1.5)))),
                // Not plain: written by the mapper, on their own or inside plain ones.
                new Pair("p", 1), Map.of(UUID.fromString("00000000-0000-0000-0000-000000000001"), 1),
                Map.of("pair", new Pair("q", 2)), List.of(new Pair("r", 3), 1.5f, new BigDecimal("1.10")),
                Json.mapper().readTree("{\"tree\":[1,2.5,\"x\"]}"), 1.5f, (short) 7, new BigDecimal("1E+3"));
        for (Object value : values) {
            assertEquals(Json.mapper().writeValueAsString(value), Json.write(value), String.valueOf(value));
        }
        assertEquals("null", Json.write(null));
    }

    @Test
    void whatItWritesReadsBackAsItWas() throws Exception {
        var value = new LinkedHashMap<String, Object>();
        value.put("s", "é\"\\\n😀");
        value.put("i", 7);
        value.put("l", 1L << 40);
        value.put("d", 2.5);
        value.put("b", true);
        value.put("n", null);
        value.put("list", List.of(1, "two", List.of()));
        assertEquals(value, Json.read(Json.write(value)));
    }
}
