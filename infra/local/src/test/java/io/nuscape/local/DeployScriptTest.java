package io.nuscape.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/deploy without AWS: what it refuses (before any aws or sam call, which stubs on PATH record),
 * what a dry run says it would do, and a whole deploy against stand-ins for aws, sam and jwt-keys
 * (resources deploy-stubs/) in a copy of the scripts folder.
 */
class DeployScriptTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    static final String NETWORK = """
            # a stage file as infra/stages/example.env describes
            VpcId=vpc-1
            SubnetIds=subnet-a,subnet-b
            SecurityGroupIds=sg-1
            RouteTableIds=rtb-a,rtb-b
            VpcEgress=endpoints
            AlarmEmail=oncall@example.com
            AccountId=123456789012
            Region=eu-west-1
            BacklogMaxEntries=50000
            """;

    @TempDir
    Path dir;
    Path calls;

    record Run(int status, String out, String err) {
    }

    @BeforeEach
    void stubAwsAndSam() throws IOException {
        calls = Files.createDirectories(dir.resolve("state")).resolve("calls.log"); // where every stub records
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("aws", "sam")) {
            Path stub = bin.resolve(tool);
            Files.writeString(stub, "#!/bin/sh\necho \"" + tool + " $*\" >> '" + calls + "'\nexit 1\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
        }
    }

    Path stageFile(String content) throws IOException {
        return Files.writeString(dir.resolve("stage.env"), content);
    }

    Run deploy(String... args) throws Exception {
        return run(ROOT.resolve("scripts/deploy"), args);
    }

    Run run(Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        pb.environment().put("STUB_STATE", dir.resolve("state").toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "scripts/deploy did not finish");
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }

    void assertNoAwsOrSamCalled() throws IOException {
        assertFalse(Files.exists(calls), () -> "aws or sam was called: " + read(calls));
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void aDeployWithoutStageOrProfileIsRefused() throws Exception {
        String file = stageFile(NETWORK).toString();
        Run noStage = deploy("--profile", "ops", "--stage-file", file);
        assertEquals(2, noStage.status());
        assertTrue(noStage.err().contains("--stage NAME is required"), noStage.err());

        Run noProfile = deploy("--stage", "test", "--stage-file", file);
        assertEquals(2, noProfile.status());
        assertTrue(noProfile.err().contains("--profile AWS_PROFILE is required"), noProfile.err());

        Run badStage = deploy("--stage", "Prod Stage", "--profile", "ops", "--stage-file", file);
        assertEquals(2, badStage.status(), badStage.err());
        assertNoAwsOrSamCalled();
    }

    @Test
    void emptyNetworkParametersAreRefusedBeforeAnyAwsCall() throws Exception {
        String file = stageFile(NETWORK.replace("SubnetIds=subnet-a,subnet-b", "SubnetIds=")
                .replace("AlarmEmail=oncall@example.com", "AlarmEmail=")).toString();
        Run r = deploy("--stage", "test", "--profile", "ops", "--stage-file", file, "--yes");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("empty network parameters: SubnetIds AlarmEmail"), r.err());

        Run oneSubnet = deploy("--stage", "test", "--profile", "ops", "--stage-file", stageFile(NETWORK).toString(),
                "--subnet-ids", "subnet-a", "--yes");
        assertEquals(2, oneSubnet.status());
        assertTrue(oneSubnet.err().contains("two Availability Zones"), oneSubnet.err());

        Run badEgress = deploy("--stage", "test", "--profile", "ops", "--stage-file", stageFile(NETWORK).toString(),
                "--vpc-egress", "internet", "--yes");
        assertEquals(2, badEgress.status());
        assertTrue(badEgress.err().contains("endpoints") && badEgress.err().contains("nat"), badEgress.err());

        Run noFile = deploy("--stage", "nosuchstage", "--profile", "ops", "--yes");
        assertEquals(2, noFile.status());
        assertTrue(noFile.err().contains("infra/stages/example.env"), noFile.err());
        assertNoAwsOrSamCalled();
    }

    @Test
    void aDryRunShowsBothSecretsAndTheOverridesAndCallsNothing() throws Exception {
        Run r = deploy("--stage", "test", "--profile", "ops", "--region", "eu-west-1", "--stage-file",
                stageFile(NETWORK).toString(), "--vpc-egress", "nat", "--dry-run");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.contains("create-secret --name nuscape/test/jwt-signing-keys"), out);
        assertTrue(out.contains("create-secret --name nuscape/test/jwt-verify-keys"), out);
        assertTrue(out.contains("jwt-keys new --kid test-"), out);
        assertTrue(out.contains("jwt-keys public --in "), out);
        assertTrue(out.contains("--secret-string file://"), "key sets go to AWS from 0600 files, not the command line: " + out);

        String deploy = out.lines().filter(l -> l.startsWith("+ sam deploy ")).findFirst().orElseThrow(() -> new AssertionError(out));
        for (String expected : List.of("--stack-name nuscape-test", "--profile ops", "--region eu-west-1", "--no-execute-changeset",
                "--parameter-overrides Stage=test ", " DeploymentRevision=DIGEST",
                " VpcId=vpc-1 ", " SubnetIds=subnet-a,subnet-b ", " SecurityGroupIds=sg-1 ", " RouteTableIds=rtb-a,rtb-b ",
                " VpcEgress=nat ", " AlarmEmail=oncall@example.com", " BacklogMaxEntries=50000")) {
            assertTrue(deploy.contains(expected), "missing '" + expected + "' in " + deploy);
        }
        assertTrue(out.contains("cloudformation describe-change-set"), out);
        assertTrue(out.contains("cloudformation execute-change-set"), out);
        assertFalse(out.contains("PRIVATE KEY") || r.err().contains("PRIVATE KEY"));
        assertNoAwsOrSamCalled();
    }

    /** A copy of scripts/deploy beside stand-ins for jwt-keys and lib.sh, with aws and sam stubs on PATH. */
    Path stubbedRoot() throws IOException {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("scripts"));
        Files.createDirectories(root.resolve("infra/stages"));
        Files.copy(ROOT.resolve("scripts/deploy"), root.resolve("scripts/deploy"));
        Files.copy(ROOT.resolve("scripts/deployment-revision"), root.resolve("scripts/deployment-revision"));
        Files.copy(ROOT.resolve("template.yaml"), root.resolve("template.yaml"));
        Files.writeString(root.resolve("infra/stages/test.env"), NETWORK);
        for (String stub : List.of("aws", "sam", "jwt-keys", "lib.sh")) {
            Path target = stub.equals("aws") || stub.equals("sam") ? dir.resolve("bin").resolve(stub) : root.resolve("scripts").resolve(stub);
            try (var in = DeployScriptTest.class.getResourceAsStream("deploy-stubs/" + stub)) {
                Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        }
        return root;
    }

    @Test
    void aFirstDeployMakesBothSecretsFromPrivateFilesAndExecutesTheChangeSetItShowed() throws Exception {
        Path script = stubbedRoot().resolve("scripts/deploy");
        Run r = run(script, "--stage", "test", "--profile", "ops", "--region", "eu-west-1", "--yes");
        assertEquals(0, r.status(), r.out() + r.err());
        String log = read(calls);
        assertTrue(log.contains("mode 600 nuscape/test/jwt-signing-keys"), log);
        assertTrue(log.contains("mode 600 nuscape/test/jwt-verify-keys"), log);
        assertTrue(log.contains("jwt-keys public --in "), "the verify set is derived from the signing set: " + log);
        String deploy = log.lines().filter(l -> l.startsWith("sam deploy ")).findFirst().orElseThrow(() -> new AssertionError(log));
        assertTrue(deploy.matches(".* DeploymentRevision=[0-9a-f]{64}( .*|$)"), "the versions are named by code and parameters: " + deploy);
        assertFalse(deploy.contains("JwtSigningKeysSecretArn"), "the template finds the key sets by the stage's names: " + deploy);
        assertTrue(deploy.contains("--no-execute-changeset"), deploy);
        assertTrue(log.contains("cloudformation execute-change-set --change-set-name arn:aws:cloudformation:eu-west-1:123456789012:changeSet/samcli-deploy1700000000/0a1b2c3d"), log);
        assertTrue(log.contains("cloudformation wait stack-create-complete --stack-name nuscape-test"), log);
        assertTrue(r.out().contains("| Add | SchemaMigration"), "the change set is shown: " + r.out());
        assertFalse(r.out().contains("PRIVATE-KEY-MATERIAL") || r.err().contains("PRIVATE-KEY-MATERIAL"), "keys are never printed");
        assertTrue(r.out().contains("scripts/mint-token --scope operator --secret-arn nuscape/test/jwt-signing-keys"), r.out());

        // The next deploy finds both secrets and makes none.
        Files.delete(calls);
        Files.writeString(dir.resolve("state/stack-status"), "UPDATE_COMPLETE");
        Run again = run(script, "--stage", "test", "--profile", "ops", "--yes");
        assertEquals(0, again.status(), again.err());
        String second = read(calls);
        assertFalse(second.contains("create-secret"), second);
        assertTrue(second.contains("cloudformation wait stack-update-complete"), second);
    }

    @Test
    void aFailedDeploySaysHowToRollBackAndAnUnconfirmedOneChangesNothing() throws Exception {
        Path script = stubbedRoot().resolve("scripts/deploy");
        Files.writeString(dir.resolve("state/fail-wait"), "");
        Run failed = run(script, "--stage", "test", "--profile", "ops", "--yes");
        assertEquals(1, failed.status());
        assertTrue(failed.err().contains("did not complete"), failed.err());
        assertTrue(failed.err().contains("describe-stack-events"), failed.err());
        assertTrue(failed.err().contains("continue-update-rollback --stack-name nuscape-test"), failed.err());
        assertTrue(failed.err().contains("git checkout <previous tag> && scripts/deploy --stage test --profile ops"), failed.err());

        // Without --yes and without a terminal to answer, the change set is deleted, not executed.
        Files.delete(calls);
        Run unconfirmed = run(script, "--stage", "test", "--profile", "ops");
        assertEquals(1, unconfirmed.status(), unconfirmed.err());
        String log = read(calls);
        assertFalse(log.contains("execute-change-set"), log);
        assertTrue(log.contains("delete-change-set"), log);
    }

    /** A deploy after which an alias still serves an older version than its function is not called done. */
    @Test
    void aDeployThatLeavesAnAliasOnAnOlderVersionFails() throws Exception {
        Path script = stubbedRoot().resolve("scripts/deploy");
        Files.writeString(dir.resolve("state/stale-alias"), "");
        Run r = run(script, "--stage", "test", "--profile", "ops", "--yes");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("serve a version older than their function") && r.err().contains("IngestFunction-AbC:live"), r.err());
        assertFalse(r.out().contains("nuscape-test deployed"), r.out());
    }

    /** A profile that is another account than the stage's is refused before anything is made there. */
    @Test
    void aProfileOfAnotherAccountIsRefusedBeforeAnythingIsMade() throws Exception {
        Path root = stubbedRoot();
        Files.writeString(root.resolve("infra/stages/test.env"), NETWORK.replace("AccountId=123456789012", "AccountId=210987654321"));
        Run r = run(root.resolve("scripts/deploy"), "--stage", "test", "--profile", "ops", "--yes");
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("is account 123456789012, but stage test lives in account 210987654321"), r.err());
        String log = read(calls);
        assertFalse(log.contains("create-secret") || log.contains("sam "), log);

        Files.writeString(root.resolve("infra/stages/test.env"), NETWORK.replace("AccountId=123456789012\n", ""));
        Run noAccount = run(root.resolve("scripts/deploy"), "--stage", "test", "--profile", "ops", "--yes");
        assertEquals(2, noAccount.status());
        assertTrue(noAccount.err().contains("AccountId (12 digits) is required"), noAccount.err());
    }

    /** The revision that names published versions follows the template, the built code and every parameter. */
    @Test
    void theDeploymentRevisionFollowsTemplateCodeAndParameters() throws Exception {
        Path build = Files.createDirectories(dir.resolve("build/IngestFunction"));
        Files.writeString(build.resolve("Handler.class"), "code 1");
        Path template = Files.writeString(dir.resolve("template.yaml"), "Timeout: 10\n");
        java.util.function.Supplier<String> revision = () -> {
            try {
                Run r = run(ROOT.resolve("scripts/deployment-revision"), "--build-dir", dir.resolve("build").toString(),
                        "--template", template.toString(), "Stage=test", "StreamShards=1");
                assertEquals(0, r.status(), r.err());
                return r.out().strip();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        String first = revision.get();
        assertTrue(first.matches("[0-9a-f]{64}"), first);
        assertEquals(first, revision.get(), "the same deploy, the same revision");
        Files.writeString(template, "Timeout: 29\n");
        String templateChanged = revision.get();
        assertFalse(templateChanged.equals(first), "a template edit publishes");
        Files.writeString(build.resolve("Handler.class"), "code 2");
        assertFalse(revision.get().equals(templateChanged), "new code publishes");
    }
}
