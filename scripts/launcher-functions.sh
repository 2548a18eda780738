# Shell functions shared by the launchers, so that all of them pick the same JDK and rebuild their jar the same
# way: ./turbokv (the command line, module cli) and bench/run-comparison, bench/run-jvm-flags, bench/run-shapes
# (module bench). Source it from bash; it defines functions and constants and runs nothing.
#
#   find_jdk                       prints the home of the JDK to run on, or nothing
#   require_jdk NAME               sets jdk to find_jdk's answer, or says what to install and exits 1
#   jar_is_stale JAR MODULE...     succeeds when JAR is missing or older than a pom or main source of a MODULE
#   build_if_stale NAME JAR MODULE [DEPENDENCY...]
#                                  builds MODULE and what it needs (-pl MODULE -am) when JAR is stale, judged on
#                                  MODULE and its DEPENDENCY modules, saying so and naming each module as Maven
#                                  reaches it; needs jdk (require_jdk)
#   prepare_start_cache NAME JAR CACHE TRAINING-ARGUMENT...
#                                  sets start_cache_flags to the JVM options that start JAR from the JDK's
#                                  ahead-of-time cache CACHE, first making CACHE (JDK 25+) by running JAR with the
#                                  training arguments when it is missing or older than JAR or the JDK; leaves
#                                  start_cache_flags empty when that fails or TURBOKV_NO_START_CACHE is set
#
# The JDK: the first of TURBOKV_JAVA_HOME when it is 25 or newer, else the newest 25+ among JAVA_HOME, the java on
# PATH and the usual install directories.

turbokv_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
turbokv_min_jdk=25

feature_of() { # prints the feature release of the JDK at $1, or nothing
  feature_in "$1"
  printf '%s' "$feature"
}

feature_in() { # sets feature to the feature release of the JDK at $1, or to nothing; runs no other program
  local line
  feature=""
  [ -x "$1/bin/java" ] && [ -f "$1/release" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
      feature="${BASH_REMATCH[1]}"
      return 0
    fi
  done < "$1/release"
}

find_jdk() {
  local candidates=() best="" best_feature=0 dir java
  # An explicit TURBOKV_JAVA_HOME wins when it is new enough; otherwise take the newest JDK found.
  if [ -n "${TURBOKV_JAVA_HOME:-}" ]; then
    feature_in "$TURBOKV_JAVA_HOME"
    if [ -n "$feature" ] && [ "$feature" -ge "$turbokv_min_jdk" ]; then
      printf '%s' "$TURBOKV_JAVA_HOME"
      return 0
    fi
  fi
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if java="$(command -v java 2>/dev/null)"; then
    java="$(readlink -f "$java")"
    candidates+=("${java%/bin/java}")
  fi
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
             /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    feature_in "$dir"
    if [ -n "$feature" ] && [ "$feature" -ge "$turbokv_min_jdk" ] && [ "$feature" -gt "$best_feature" ]; then
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
  local name="$1" jar="$2" module="$3" log status started="$SECONDS"
  shift 3
  jar_is_stale "$jar" "$module" "$@" || return 0
  echo "$name: building ${jar#"$turbokv_root"/} with Maven (first run or changed sources): about a minute or" \
    "two, longer the very first time while Maven downloads what it needs..." >&2
  log="$(mktemp "${TMPDIR:-/tmp}/turbokv-build.XXXXXX")"
  # Maven runs on that JDK too: let its Guice reach sun.misc.Unsafe without the JDK 24+ warning. The jar needs
  # main code only: tests are neither compiled nor run. Its whole output goes to the log; the user sees one line
  # per module as Maven starts it ("[INFO] Building TurboKV engine 0.1.0-SNAPSHOT   [3/4]").
  # (pipefail makes the status Maven's; '&& ||' keeps a caller's set -e from exiting before the report)
  (set -o pipefail; (cd "$turbokv_root" && JAVA_HOME="$jdk" \
      MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
      ./mvnw -B -ntp -Dmaven.test.skip=true -pl "$module" -am package </dev/null 2>&1) | tee "$log" |
      awk -v name="$name" '/^\[INFO\] Building .*\[[0-9]+\/[0-9]+\]$/ {
          sub(/^\[INFO\] Building /, ""); sub(/ +\[/, " ["); print name ":   " $0; fflush() }' >&2
  ) && status=0 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$name: build failed; Maven's last lines (all of it: ./mvnw -B -ntp -Dmaven.test.skip=true" \
      "-pl $module -am package):" >&2
    grep -v '^\[INFO\]' "$log" | tail -n 20 >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  echo "$name: built in $((SECONDS - started)) s" >&2
}

start_cache_flags=()

prepare_start_cache() { # $1: the script's name; $2: the jar; $3: the cache; then the training run's arguments
  local name="$1" jar="$2" cache="$3" partial
  shift 3
  start_cache_flags=()
  [ -z "${TURBOKV_NO_START_CACHE:-}" ] || return 0
  feature_in "$jdk"
  [ -n "$feature" ] && [ "$feature" -ge 25 ] || return 0 # -XX:AOTCacheOutput came with JDK 25
  if [ ! -f "$cache" ] || [ "$jar" -nt "$cache" ] || [ "$jdk/release" -nt "$cache" ]; then
    echo "$name: preparing the start-up cache ${cache#"$turbokv_root"/} (once per build, some seconds)..." >&2
    partial="$cache.$$.partial"
    # A JVM that cannot use a cache (another JDK, a changed jar) says so on stderr: -Xlog:aot*=off keeps it quiet,
    # and the launcher remakes the cache when the jar or the JDK is newer than it.
    if "$jdk/bin/java" "@$turbokv_root/jdk-flags.txt" -Xlog:aot*=off -XX:AOTCacheOutput="$partial" \
         -jar "$jar" "$@" </dev/null >/dev/null 2>&1 && [ -s "$partial" ]; then
      mv -f "$partial" "$cache"
    else
      rm -f "$partial" "$partial.config"
      echo "$name: could not make the start-up cache; starting without it" >&2
      return 0
    fi
  fi
  start_cache_flags=(-XX:AOTCache="$cache" -Xlog:aot*=off)
}
