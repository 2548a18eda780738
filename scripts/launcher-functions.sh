# Shell functions shared by the launchers, so that all of them pick the same JDK and rebuild their jar the same
# way: ./turbokv (the command line, module cli) and bench/run-comparison, bench/run-jvm-flags, bench/run-shapes
# (module bench). Source it from bash; it defines functions and constants and runs nothing.
#
#   find_jdk                       prints the home of the JDK to run on, or nothing
#   require_jdk NAME               sets jdk to find_jdk's answer, or says what to install and exits 1
#   jar_is_stale JAR MODULE...     succeeds when JAR is missing or older than a pom or main source of a MODULE
#   build_if_stale NAME JAR MODULE [DEPENDENCY...]
#                                  builds MODULE and what it needs (-pl MODULE -am) when JAR is stale, judged on
#                                  MODULE and its DEPENDENCY modules; needs jdk (require_jdk)
#
# The JDK: the first of TURBOKV_JAVA_HOME when it is 25 or newer, else the newest 25+ among JAVA_HOME, the java on
# PATH and the usual install directories.

turbokv_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
turbokv_min_jdk=25

feature_of() { # prints the feature release of the JDK at $1, or nothing
  local release="$1/release"
  [ -x "$1/bin/java" ] && [ -f "$release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

find_jdk() {
  local candidates=() best="" best_feature=0 dir feature
  [ -n "${TURBOKV_JAVA_HOME:-}" ] && candidates+=("$TURBOKV_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
             /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    feature="$(feature_of "$dir")"
    [ -n "$feature" ] || continue
    # An explicit TURBOKV_JAVA_HOME wins when it is new enough; otherwise take the newest JDK found.
    if [ "$dir" = "${TURBOKV_JAVA_HOME:-}" ] && [ "$feature" -ge "$turbokv_min_jdk" ]; then
      best="$dir"; break
    fi
    if [ "$feature" -ge "$turbokv_min_jdk" ] && [ "$feature" -gt "$best_feature" ]; then
      best="$dir"; best_feature="$feature"
    fi
  done
  printf '%s' "$best"
}

require_jdk() { # $1: the script's name, for the message
  jdk="$(find_jdk)"
  if [ -z "$jdk" ]; then
    echo "$1: no JDK $turbokv_min_jdk or newer found; install one (e.g. Temurin $turbokv_min_jdk:" \
      "apt-get install temurin-$turbokv_min_jdk-jdk) or set TURBOKV_JAVA_HOME to it" >&2
    exit 1
  fi
}

jar_is_stale() { # $1: the jar; then the modules whose poms and main sources go into it
  local jar="$1" module sources=("$turbokv_root/pom.xml")
  shift
  [ -f "$jar" ] || return 0
  for module in "$@"; do
    sources+=("$turbokv_root/$module/pom.xml" "$turbokv_root/$module/src/main")
  done
  [ -n "$(find "${sources[@]}" -newer "$jar" -print -quit 2>/dev/null)" ]
}

build_if_stale() { # $1: the script's name; $2: the jar; $3: the module that makes it; then the modules it needs
  local name="$1" jar="$2" module="$3"
  shift 3
  jar_is_stale "$jar" "$module" "$@" || return 0
  echo "$name: building ${jar#"$turbokv_root"/} (first run or changed sources)..." >&2
  # Maven runs on that JDK too: let its Guice reach sun.misc.Unsafe without the JDK 24+ warning. The jar needs
  # main code only: tests are neither compiled nor run.
  (cd "$turbokv_root" && JAVA_HOME="$jdk" \
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
    ./mvnw -q -B -ntp -Dmaven.test.skip=true -pl "$module" -am package >&2) || {
    echo "$name: build failed; run './mvnw -B -ntp -Dmaven.test.skip=true -pl $module -am package' to see why" >&2
    exit 1
  }
}
