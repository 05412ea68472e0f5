package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/rds-ca-bundle (run by scripts/build-lambda): from a given RDS bundle and the JDK's Amazon roots it
 * writes the one PEM the functions verify Postgres against, and refuses a file that is not the RDS bundle.
 * Offline: the RDS bundle here is made of throwaway certificates with the RDS root CAs' names.
 */
class RdsCaBundleScriptTest {
    static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Run(int status, String output) {
    }

    Run run(Path bundle, Path out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/rds-ca-bundle").toString(), out.toString());
        pb.environment().put("NUSCAPE_RDS_CA_BUNDLE", bundle.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), output);
    }

    Path certificate(String subject) throws Exception {
        Path key = dir.resolve("k" + subject.hashCode() + ".pem");
        Path cert = dir.resolve("c" + subject.hashCode() + ".pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", subject).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        return cert;
    }

    @Test
    void theBundleHoldsTheRdsCertificatesAndTheAmazonRootsAndABadFileIsRefused() throws Exception {
        StringBuilder bundle = new StringBuilder();
        for (String region : List.of("eu-west-1", "us-east-1", "ap-south-1", "sa-east-1")) {
            for (String ca : List.of("RSA2048", "RSA4096", "ECC384")) {
                bundle.append(Files.readString(certificate("/C=US/O=Amazon.com/OU=Amazon RDS/CN=Amazon RDS " + region + " Root CA " + ca + " G1")));
            }
        }
        Path rds = Files.writeString(dir.resolve("global-bundle.pem"), bundle);
        Path out = dir.resolve("out/rds-global-bundle.pem");
        Run ok = run(rds, out);
        assertEquals(0, ok.status(), ok.output());
        String written = Files.readString(out);
        assertEquals(12 + 4, written.split("-----BEGIN CERTIFICATE-----", -1).length - 1, "12 RDS certificates and 4 Amazon roots");

        Path notRds = Files.writeString(dir.resolve("other.pem"), Files.readString(certificate("/CN=Someone Else CA")).repeat(12));
        Path refused = dir.resolve("refused.pem");
        Run bad = run(notRds, refused);
        assertTrue(bad.status() != 0 && bad.output().contains("Amazon RDS"), bad.output());
        assertFalse(Files.exists(refused), "nothing written");

        Path garbled = Files.writeString(dir.resolve("garbled.pem"), bundle.toString().replace("MII", "XXX"));
        Run broken = run(garbled, dir.resolve("broken.pem"));
        assertTrue(broken.status() != 0 && broken.output().contains("not a certificate"), broken.output());
    }
}
