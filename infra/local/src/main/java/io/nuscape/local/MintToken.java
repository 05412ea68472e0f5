package io.nuscape.local;

import io.nuscape.core.ConfigException;
import io.nuscape.core.Settings;
import io.nuscape.core.auth.KeySet;
import io.nuscape.core.auth.KeySource;
import io.nuscape.core.auth.Scope;
import io.nuscape.core.auth.TokenIssuer;
import io.nuscape.core.internal.SecretsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code scripts/mint-token}: issues a token from the key set for ops, e.g. the first operator token of a
 * fresh deployment (to create accounts) or an admin token of an account. The key set comes from
 * {@code --secret-arn} (Secrets Manager: a deployment's signing set {@code nuscape/<stage>/jwt-signing-keys},
 * by ARN or name; the verify-only set cannot sign), else {@code NUSCAPE_JWT_KEYS}, else the local stack's
 * {@code .local/jwt-keys.json}. Prints the token alone on standard output. Device tokens come from the
 * control plane ({@code POST /api/v1/devices}), which enrolls the device: an ingest token minted here counts
 * only if its subject is an enrolled device of the account (the drainer drops events of any other).
 */
public final class MintToken {
    private MintToken() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : opts.getOrDefault("scope", "").split("[ ,]+")) {
            if (!s.isBlank()) {
                try {
                    scopes.add(Scope.valueOf(s.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    usage("unknown scope '" + s + "' (ingest, read, admin, operator)");
                }
            }
        }
        if (scopes.isEmpty()) {
            usage("--scope is required");
        }
        UUID account = opts.containsKey("account") ? UUID.fromString(opts.get("account"))
                : scopes.equals(EnumSet.of(Scope.OPERATOR)) ? new UUID(0, 0) : null;
        if (account == null) {
            usage("--account <uuid> is required for scopes other than operator");
        }
        String subject = opts.getOrDefault("subject", scopes.contains(Scope.OPERATOR) ? "operator" : "ops-admin");
        if (scopes.contains(Scope.INGEST)) {
            System.err.println("mint-token: events count only if --subject is the device_id of a device enrolled in the account"
                    + " (POST /api/v1/devices enrolls one and answers with its token)");
        }
        long days = Long.parseLong(opts.getOrDefault("days", "1"));
        long generation = Long.parseLong(opts.getOrDefault("gen", "0"));

        Map<String, String> env = new HashMap<>(System.getenv());
        String json;
        if (opts.containsKey("secret-arn")) {
            try (SecretsClient secrets = SecretsClient.create(Settings.from(env))) {
                json = secrets.secretString(opts.get("secret-arn"));
            }
        } else if (env.get("NUSCAPE_JWT_KEYS") != null && !env.get("NUSCAPE_JWT_KEYS").isBlank()) {
            json = env.get("NUSCAPE_JWT_KEYS");
        } else {
            Path local = Path.of(env.getOrDefault("NUSCAPE_HOME", ".")).resolve(".local/jwt-keys.json");
            if (!Files.exists(local)) {
                usage("no key set: pass --secret-arn, set NUSCAPE_JWT_KEYS, or start the local stack once (scripts/local-up)");
            }
            json = Files.readString(local);
        }
        KeySource keys = KeySource.of(KeySet.parse(json));
        try {
            String token = new TokenIssuer(keys, Optional.ofNullable(opts.get("kid")), env.getOrDefault("NUSCAPE_JWT_ISSUER", "nuscape"),
                    env.getOrDefault("NUSCAPE_JWT_AUDIENCE", "nuscape"))
                    .issue(account, subject, scopes, generation, Instant.now(), Duration.ofDays(days));
            System.out.println(token);
        } catch (ConfigException e) {
            usage(e.getMessage() + (opts.containsKey("secret-arn")
                    ? " (tokens are minted from the signing set, nuscape/<stage>/jwt-signing-keys, not the verify-only one)" : ""));
        }
    }

    private static void usage(String problem) {
        System.err.println("mint-token: " + problem);
        System.err.println("usage: scripts/mint-token --scope operator|admin|read|ingest [--account UUID] [--subject S] [--days N]");
        System.err.println("                          [--gen N] [--kid KID] [--secret-arn ARN]");
        System.exit(2);
    }
}
