package io.nuscape.local;

import io.nuscape.core.ConfigException;
import io.nuscape.local.internal.KeySetFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code scripts/jwt-keys}: makes the JWT key sets of a deployment.
 * <pre>
 *   scripts/jwt-keys new --kid K [--out FILE]            a new ES256 key set (with its private key)
 *   scripts/jwt-keys public [--in FILE] [--out FILE]     the verify-only copy (HS256 refused)
 *   scripts/jwt-keys add --kid K [--in FILE] [--out FILE]   rotation: a new key first, old ones kept
 *   scripts/jwt-keys remove --kid K [--in FILE] [--out FILE]
 * </pre>
 * The set is read from {@code --in} or standard input and written to {@code --out} (created new, mode
 * 0600) or standard output. Nothing else is printed on standard output, and no key material ever goes
 * to standard error.
 */
public final class JwtKeys {
    private JwtKeys() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 done, 2 refused or misused). */
    public static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        if (args.length == 0) {
            return usage(stderr, "a command is required");
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                return usage(stderr, "unexpected argument " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        try {
            String result = switch (args[0]) {
                case "new" -> KeySetFiles.newSet(required(opts, "kid"));
                case "public" -> KeySetFiles.publicSet(input(opts, stdin));
                case "add" -> KeySetFiles.addKey(input(opts, stdin), required(opts, "kid"));
                case "remove" -> KeySetFiles.removeKey(input(opts, stdin), required(opts, "kid"));
                default -> throw new IllegalArgumentException("unknown command " + args[0]);
            };
            if (opts.containsKey("out")) {
                writePrivately(Path.of(opts.get("out")), result);
            } else {
                stdout.println(result);
                stdout.flush();
            }
            return 0;
        } catch (IllegalArgumentException e) {
            return usage(stderr, e.getMessage());
        } catch (ConfigException e) {
            stderr.println("jwt-keys: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            stderr.println("jwt-keys: " + e.getMessage());
            return 2;
        }
    }

    private static String required(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private static String input(Map<String, String> opts, InputStream stdin) throws IOException {
        return opts.containsKey("in") ? Files.readString(Path.of(opts.get("in")))
                : new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Creates the file with mode 0600 from the start (never readable by others, not even briefly). */
    static void writePrivately(Path file, String content) throws IOException {
        try {
            Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    content + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " exists; jwt-keys writes new files only");
        }
    }

    private static int usage(PrintStream stderr, String problem) {
        stderr.println("jwt-keys: " + problem);
        stderr.println("usage: scripts/jwt-keys new --kid KID [--out FILE]");
        stderr.println("       scripts/jwt-keys public [--in FILE] [--out FILE]          (verify-only copy; HS256 refused)");
        stderr.println("       scripts/jwt-keys add --kid KID [--in FILE] [--out FILE]   (rotation: new key first, old kept)");
        stderr.println("       scripts/jwt-keys remove --kid KID [--in FILE] [--out FILE]");
        return 2;
    }
}
