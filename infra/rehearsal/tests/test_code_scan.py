"""Deriving a function's AWS calls from javap output, poms and the SAM Makefile."""
import os
import tempfile
import textwrap
import unittest

from rehearsal import code_scan

JAVAP = textwrap.dedent("""\
    Compiled from "Secrets.java"
    public final class io.nuscape.core.Secrets implements java.lang.AutoCloseable {
      public java.lang.String read(java.lang.String);
        Code:
           0: invokestatic  #7   // InterfaceMethod software/amazon/awssdk/services/secretsmanager/SecretsManagerClient.builder:()Lsoftware/amazon/awssdk/services/secretsmanager/SecretsManagerClientBuilder;
          10: invokeinterface #8, 2  // InterfaceMethod software/amazon/awssdk/services/secretsmanager/SecretsManagerClient.getSecretValue:(Lsoftware/amazon/awssdk/services/secretsmanager/model/GetSecretValueRequest;)Lsoftware/amazon/awssdk/services/secretsmanager/model/GetSecretValueResponse;
          20: invokeinterface #9, 1  // InterfaceMethod software/amazon/awssdk/services/secretsmanager/SecretsManagerClient.close:()V
          30: invokeinterface #10, 2 // InterfaceMethod software/amazon/awssdk/services/cloudwatch/CloudWatchClient.putMetricData:(Lx;)Ly;
          40: invokevirtual #11      // Method software/amazon/awssdk/services/rds/RdsUtilities.generateAuthenticationToken:(Lx;)Ljava/lang/String;
    }
    Compiled from "TokenIssuer.java"
    public final class io.nuscape.core.auth.TokenIssuer {
      private final io.nuscape.core.auth.TokenIssuer self;
    }
    """)


class ScanJavap(unittest.TestCase):
    def test_operations_become_iam_actions_and_endpoints(self):
        actions, services, classes, token_users = code_scan.scan_javap(JAVAP)
        self.assertEqual({"secretsmanager:GetSecretValue", "cloudwatch:PutMetricData", "rds-db:connect"}, actions)
        # CloudWatch's endpoint is "monitoring"; the RDS token is signed locally, so no rds endpoint.
        self.assertEqual({"secretsmanager", "monitoring"}, services)
        self.assertEqual({"io/nuscape/core/Secrets", "io/nuscape/core/auth/TokenIssuer"}, classes)
        self.assertEqual(set(), token_users, "TokenIssuer referring to itself does not make its module a signer")

    def test_an_operation_whose_iam_action_is_named_otherwise(self):
        text = textwrap.dedent("""\
            Compiled from "Send.java"
            public final class io.nuscape.alerts.Send {
              public void send();
                Code:
                   0: invokeinterface #8, 2  // InterfaceMethod software/amazon/awssdk/services/lambda/LambdaClient.invoke:(Ljava/util/function/Consumer;)Lsoftware/amazon/awssdk/services/lambda/model/InvokeResponse;
            }
            """)
        actions, services, _, _ = code_scan.scan_javap(text)
        self.assertEqual({"lambda:InvokeFunction"}, actions, "the Invoke API is allowed by lambda:InvokeFunction")
        self.assertEqual({"lambda"}, services)

    def test_a_class_using_token_issuer_signs(self):
        text = JAVAP + textwrap.dedent("""\
            Compiled from "Enroll.java"
            public class io.nuscape.api.Enroll {
              private final io.nuscape.core.auth.TokenIssuer issuer;
            }
            """)
        self.assertEqual({"io/nuscape/api/Enroll"}, code_scan.scan_javap(text)[3])


def _pom(artifact, *dependencies):
    deps = "".join(
        f"<dependency><groupId>io.nuscape</groupId><artifactId>{a}</artifactId>"
        + (f"<scope>{scope}</scope>" if scope else "") + "</dependency>"
        for a, scope in dependencies)
    return (f'<project xmlns="http://maven.apache.org/POM/4.0.0"><artifactId>{artifact}</artifactId>'
            f"<dependencies>{deps}</dependencies></project>")


class Modules(unittest.TestCase):
    def test_closure_follows_project_dependencies_but_not_test_scope(self):
        with tempfile.TemporaryDirectory() as root:
            for module, pom in {
                "core": _pom("nuscape-core"),
                "redis": _pom("nuscape-redis", ("nuscape-core", None)),
                "ingest": _pom("nuscape-ingest", ("nuscape-redis", None), ("nuscape-testkit", "test")),
                "testkit": _pom("nuscape-testkit"),
            }.items():
                os.makedirs(os.path.join(root, "functions", module))
                with open(os.path.join(root, "functions", module, "pom.xml"), "w") as f:
                    f.write(pom)
            self.assertEqual({"functions/ingest", "functions/redis", "functions/core"},
                             set(code_scan.module_closure(root, "functions/ingest")))

    def test_makefile_targets_name_the_modules(self):
        with tempfile.NamedTemporaryFile("w", suffix=".mk", delete=False) as f:
            f.write("build-IngestFunction:\n\t$(ROOT)/scripts/build-lambda functions/ingest nuscape-ingest-lambda \"$(ARTIFACTS_DIR)\"\n")
        try:
            self.assertEqual({"IngestFunction": "functions/ingest"}, code_scan.makefile_modules(f.name))
        finally:
            os.unlink(f.name)
