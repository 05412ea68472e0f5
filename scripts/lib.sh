# Shared by the scripts in this folder: finds a JDK 21 or newer and sets up Maven for it.
# shellcheck shell=bash

nuscape_root() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd
}

java_major() { # prints the major version of the java binary given
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

# JAVA_HOME if it is 21+, else the newest 21+ JDK under /usr/lib/jvm, else a clear message.
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 21 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return 0
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir/bin/java") || continue
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  if [ -n "$best" ]; then echo "$best"; return 0; fi
  if command -v javac >/dev/null 2>&1; then
    local home; home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if [ "$(java_major "$home/bin/java")" -ge 21 ] 2>/dev/null; then echo "$home"; return 0; fi
  fi
  echo "NuScape needs a JDK 21 or newer (found none in JAVA_HOME or /usr/lib/jvm)." >&2
  echo "Install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 21) or set JAVA_HOME to it." >&2
  return 1
}

setup_java() {
  JAVA_HOME=$(find_jdk) || exit 1
  export JAVA_HOME
  export PATH="$JAVA_HOME/bin:$PATH"
  if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "NuScape builds with Maven 3.8 or newer; install it (e.g. 'apt-get install maven')." >&2
    exit 1
  fi
}

# Builds a module (and what it depends on) and prints its run-time classpath: classes first, then jars.
# With "test" as second argument, test classes and test-scoped jars are included (benchmarks).
module_classpath() {
  local module=$1 scope=${2:-runtime} root cp_file goal=compile
  root=$(nuscape_root)
  [ "$scope" = test ] && goal=test-compile
  cp_file="$root/$module/target/classpath-$scope.txt"
  local log
  log=$(mktemp)
  # Quiet on success; on failure, Maven's whole output says why.
  (cd "$root" && mvn -B -q -ntp -Dstyle.color=never -pl "$module" -am "$goal" dependency:build-classpath \
    -Dmdep.includeScope="$scope" -Dmdep.outputFile="$cp_file" >"$log" 2>&1) || {
    cat "$log" >&2; rm -f "$log"; echo "build of $module failed (output above)" >&2; return 1; }
  rm -f "$log"
  local cp="$root/$module/target/classes:$(cat "$cp_file")"
  [ "$scope" = test ] && cp="$root/$module/target/test-classes:$cp"
  echo "$cp"
}
