package io.nuscape.core.category;

import io.nuscape.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The project's starter rule set, which an admin can load and change: common apps and sites in social,
 * video, games, communication, education, productivity, shopping, news and music, more specific rules
 * first (music.youtube.com before youtube.com).
 */
public final class StarterRules {
    private static final List<CategoryRule> RULES = load();

    private StarterRules() {
    }

    public static List<CategoryRule> rules() {
        return RULES;
    }

    private static List<CategoryRule> load() {
        try (InputStream in = StarterRules.class.getResourceAsStream("starter-rules.json")) {
            if (in == null) {
                throw new IllegalStateException("starter-rules.json is missing from the build");
            }
            Object doc = Json.read(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            List<CategoryRule> out = new ArrayList<>();
            int i = 0;
            for (Object o : (List<?>) ((Map<?, ?>) doc).get("rules")) {
                Map<?, ?> r = (Map<?, ?>) o;
                out.add(CategoryRule.of(i++, (String) r.get("category"), (String) r.get("kind"), (String) r.get("match"), (String) r.get("pattern")));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
