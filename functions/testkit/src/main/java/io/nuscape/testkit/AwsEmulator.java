package io.nuscape.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A real AWS API emulator for tests of the code that talks to AWS: {@code moto_server} from the PATH when
 * it is installed, else LocalStack through Testcontainers when a Docker engine answers. When neither is
 * there, {@link #start()} fails loudly naming both, so a missing emulator is never a silent pass.
 */
public final class AwsEmulator implements AutoCloseable {
    public static final String REGION = "us-east-1";

    private final URI endpoint;
    private final AutoCloseable stopper;
    private final String kind;

    private AwsEmulator(URI endpoint, AutoCloseable stopper, String kind) {
        this.endpoint = endpoint;
        this.stopper = stopper;
        this.kind = kind;
    }

    public static AwsEmulator start() {
        Optional<Path> moto = onPath("moto_server");
        if (moto.isPresent()) {
            return startMoto(moto.get());
        }
        if (dockerAvailable()) {
            return LocalStackEmulator.start();
        }
        throw new IllegalStateException("No AWS API emulator: install moto_server (pip install 'moto[server]') "
                + "or run a Docker engine for LocalStack through Testcontainers. Tests of the AWS code cannot run.");
    }

    static AwsEmulator of(URI endpoint, AutoCloseable stopper, String kind) {
        return new AwsEmulator(endpoint, stopper, kind);
    }

    private static AwsEmulator startMoto(Path binary) {
        int port = FreePort.pick();
        try {
            Path log = Files.createTempFile("moto-", ".log");
            Process p = new ProcessBuilder(binary.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            try {
                FreePort.awaitListening(port, Duration.ofSeconds(60));
            } catch (IllegalStateException e) {
                p.destroyForcibly();
                throw new IllegalStateException("moto_server did not start; its log: " + Files.readString(log), e);
            }
            return new AwsEmulator(URI.create("http://127.0.0.1:" + port), () -> {
                p.destroy();
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }, "moto_server");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start moto_server", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The emulator's fixed test credentials. */
    public static software.amazon.awssdk.auth.credentials.StaticCredentialsProvider credentials() {
        return software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test"));
    }

    /** A Secrets Manager client of the emulator, for tests to create and change secrets; close it after use. */
    public software.amazon.awssdk.services.secretsmanager.SecretsManagerClient secretsManager() {
        return software.amazon.awssdk.services.secretsmanager.SecretsManagerClient.builder()
                .endpointOverride(endpoint)
                .region(software.amazon.awssdk.regions.Region.of(REGION))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .credentialsProvider(credentials())
                .build();
    }

    /** Which emulator answers: {@code moto_server} or {@code localstack}. */
    public String kind() {
        return kind;
    }

    @Override
    public void close() {
        try {
            stopper.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop " + kind, e);
        }
    }
}
