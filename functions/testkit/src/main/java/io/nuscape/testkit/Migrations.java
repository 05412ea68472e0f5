package io.nuscape.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** The project's migrations as the tests see them (infra/migrations), so a new one needs no test edited. */
public final class Migrations {
    private Migrations() {
    }

    /** The versioned migration files, in version order. */
    public static List<String> versions() {
        Path dir = root().resolve("infra/migrations");
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .map(n -> n.substring(1, n.indexOf("__"))).sorted(Comparator.comparingInt(Integer::parseInt)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int count() {
        return versions().size();
    }

    /** The newest version, as Flyway reports it. */
    public static String latest() {
        List<String> v = versions();
        return v.get(v.size() - 1);
    }

    private static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("infra/migrations"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no infra/migrations above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
