# Stand-in for scripts/lib.sh in DeployScriptTest: no JDK or Maven is needed when sam is a stub.
setup_java() { :; }
