package io.nuscape.drainer;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** A Lambda context whose remaining time the test decides. */
record FakeContext(java.util.function.IntSupplier remaining) implements Context {
    public String getAwsRequestId() {
        return "req-1";
    }

    public String getLogGroupName() {
        return "/aws/lambda/drainer";
    }

    public String getLogStreamName() {
        return "2026/11/23/[$LATEST]abc123";
    }

    public String getFunctionName() {
        return "DrainerFunction";
    }

    public String getFunctionVersion() {
        return "1";
    }

    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:us-east-1:123456789012:function:DrainerFunction";
    }

    public CognitoIdentity getIdentity() {
        return null;
    }

    public ClientContext getClientContext() {
        return null;
    }

    public int getRemainingTimeInMillis() {
        return remaining.getAsInt();
    }

    public int getMemoryLimitInMB() {
        return 1024;
    }

    public LambdaLogger getLogger() {
        return null;
    }
}
