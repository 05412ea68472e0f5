package io.nuscape.postgres.internal;

import io.nuscape.core.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The file pgjdbc's {@code sslrootcert} names (it takes a path only): the operator's PEM file, or the
 * Amazon RDS CA bundle shipped in this jar, written once to a private temporary file.
 */
public final class RootCertificates {
    static final String BUNDLED = "/io/nuscape/postgres/rds-global-bundle.pem";
    private static Path extracted;

    private RootCertificates() {
    }

    /** The path to hand to the driver. */
    public static String path(Optional<String> configured) {
        if (configured.isPresent()) {
            Path p = Path.of(configured.get());
            if (!Files.isReadable(p)) {
                throw new ConfigException("NUSCAPE_DATABASE_SSL_ROOT_CERT names " + p + ", which is not a readable file");
            }
            return p.toString();
        }
        return bundled().toString();
    }

    private static synchronized Path bundled() {
        // Checked every time: a SnapStart restore or a /tmp cleaner may have removed the file.
        if (extracted != null && Files.isReadable(extracted)) {
            return extracted;
        }
        try (InputStream in = RootCertificates.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new ConfigException("this build carries no Amazon RDS CA bundle (" + BUNDLED
                        + "); set NUSCAPE_DATABASE_SSL_ROOT_CERT to a PEM file of the CAs to trust");
            }
            Path p;
            try {
                p = Files.createTempFile("nuscape-rds-ca-", ".pem", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                p = Files.createTempFile("nuscape-rds-ca-", ".pem");
            }
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            p.toFile().deleteOnExit();
            extracted = p;
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the RDS CA bundle to a temporary file", e);
        }
    }
}
