#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for
# tests and CI, without Docker. Kafka's jars come from Maven Central via mvn.
#
# Usage:
#   scripts/kafka.sh fetch  [VERSION]   download Kafka + runtime deps into the cache
#   scripts/kafka.sh start  [VERSION]   fetch if needed, format once, start, wait until ready
#   scripts/kafka.sh stop               SIGTERM (30 s grace), then SIGKILL
#   scripts/kafka.sh status             exit 0 if running and answering
#   scripts/kafka.sh topics ARGS...     org.apache.kafka.tools.TopicCommand against the broker
#                                       (--bootstrap-server is added), e.g.
#                                       scripts/kafka.sh topics --create --topic orders
#   scripts/kafka.sh run CLASS ARGS...  run any main class on Kafka's classpath
#
# Environment:
#   KAFKA_VERSION          Kafka version (default 3.9.2; 4.x works too). A positional
#                          VERSION argument wins over it.
#   KAFKA_PORT             PLAINTEXT listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default 9093)
#   KAFKA_CACHE_DIR        jar cache (default <repo>/.cache/kafka); jars go to $KAFKA_CACHE_DIR/$VERSION/libs
#   KAFKA_DATA_DIR         config, logs, pid, data (default <repo>/.cache/kafka-run/$KAFKA_PORT)
#   KAFKA_RESET=1          on start: stop a running broker and wipe the data dir first
#   KAFKA_HEAP_OPTS        broker heap (default "-Xms256m -Xmx512m")
#   KAFKA_GC_OPTS          broker garbage collector (default "-XX:+UseG1GC -XX:MaxGCPauseMillis=20")
#   KAFKA_EXTRA_PROPERTIES lines appended to server.properties (a later key wins), e.g.
#                          KAFKA_EXTRA_PROPERTIES=$'num.io.threads=2\nnum.network.threads=1'
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
# stop/status/topics/run find the broker through KAFKA_PORT / KAFKA_DATA_DIR,
# so pass the same values as to start.
#
# Retention: log.retention.ms=-1, so records are never deleted by age (nor by
# size: log.retention.bytes stays -1). Consumers can always replay a topic from
# offset 0; data lives until KAFKA_RESET=1 or the data dir is removed.
# Topics are not auto-created (auto.create.topics.enable=false): create them
# explicitly; new topics default to 3 partitions, replication factor 1.
#
# On success `start` prints KAFKA_BROKERS=127.0.0.1:<port> on stdout; all other
# messages go to stderr.
set -euo pipefail

readonly DEFAULT_VERSION=3.9.2
readonly DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
readonly RELOAD4J_VERSION=1.2.25
readonly SLF4J_RELOAD4J_VERSION=1.7.36

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT_DIR
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
CACHE_DIR=${KAFKA_CACHE_DIR:-$ROOT_DIR/.cache/kafka}
DATA_DIR=${KAFKA_DATA_DIR:-$ROOT_DIR/.cache/kafka-run/$PORT}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
GC_OPTS=${KAFKA_GC_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
PID_FILE=$DATA_DIR/kafka.pid
LOG_FILE=$DATA_DIR/kafka.log
# Small, fast-starting JVMs for the CLI tools (readiness probes, topic admin).
TOOL_JAVA_OPTS=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true)

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
}

set_version() {
  VERSION=${1:-${KAFKA_VERSION:-$DEFAULT_VERSION}}
  [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9.-]+)?$ ]] || die "bad Kafka version '$VERSION'"
  MAJOR=${VERSION%%.*}
  VERSION_DIR=$CACHE_DIR/$VERSION
  LIBS=$VERSION_DIR/libs
}

require() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH${2:+ ($2)}"
}

# ---------------------------------------------------------------- fetch

write_pom() {
  # Kafka 3.x logs through slf4j 1.7 -> reload4j (as its binary distribution does);
  # 4.x logs through log4j2, whose slf4j binding is added after resolution (its
  # version must match log4j-api/log4j-core that Kafka brings).
  local logging_deps='' exclusions
  if ((MAJOR < 4)); then
    logging_deps="
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>$RELOAD4J_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_RELOAD4J_VERSION</version></dependency>"
  fi
  # Keep exactly one slf4j binding on the classpath; leave out Kafka Connect
  # (kafka-tools depends on connect-runtime: jetty, jersey, ... not needed here).
  exclusions='
        <exclusions>
          <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
          <exclusion><groupId>ch.qos.logback</groupId><artifactId>*</artifactId></exclusion>
          <exclusion><groupId>log4j</groupId><artifactId>log4j</artifactId></exclusion>
          <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-log4j12</artifactId></exclusion>
          <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId></exclusion>
          <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId></exclusion>'
  if ((MAJOR < 4)); then
    exclusions+='
          <exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId></exclusion>
          <exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId></exclusion>'
  else
    exclusions+='
          <exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId></exclusion>
          <exclusion><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId></exclusion>'
  fi
  exclusions+='
        </exclusions>'
  cat >"$VERSION_DIR/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/kafka.sh: resolves Kafka $VERSION and its runtime dependencies. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.kafka-sh</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>$VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version>$exclusions
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$VERSION</version>$exclusions
    </dependency>$logging_deps
  </dependencies>
</project>
EOF
}

# Version of the single jar libs/<name>-<version>.jar, or empty.
jar_version() {
  local dir=$1 name=$2 f
  for f in "$dir/$name"-[0-9]*.jar; do
    [[ -e $f ]] || continue
    f=${f##*/}; f=${f#"$name"-}; printf '%s\n' "${f%.jar}"
    return 0
  done
}

check_bindings() {
  local dir=$1 bindings=() f
  for f in "$dir"/slf4j-reload4j-*.jar "$dir"/slf4j-log4j12-*.jar "$dir"/log4j-slf4j-impl-*.jar \
    "$dir"/log4j-slf4j2-impl-*.jar "$dir"/logback-classic-*.jar "$dir"/slf4j-simple-*.jar "$dir"/slf4j-nop-*.jar; do
    [[ -e $f ]] && bindings+=("${f##*/}")
  done
  ((${#bindings[@]} == 1)) || die "expected exactly one slf4j binding in $dir, found ${#bindings[@]}: ${bindings[*]:-none}"
}

# mvn -B -q with its output on stderr (stdout stays clean for `start`), minus
# the stray ANSI resets Maven 3.8 prints even in batch mode.
mvn_quiet() {
  mvn -B -q "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
}

cmd_fetch() {
  if [[ -f $LIBS/kafka_2.13-$VERSION.jar ]]; then
    log "Kafka $VERSION already fetched ($LIBS)"
    return 0
  fi
  require mvn "install Maven 3"
  require java "install a JDK 17+"
  mkdir -p "$VERSION_DIR"
  # Serialise concurrent fetches of the same version.
  exec 8>"$VERSION_DIR/.lock"
  flock 8
  if [[ -f $LIBS/kafka_2.13-$VERSION.jar ]]; then
    exec 8>&-
    log "Kafka $VERSION already fetched ($LIBS)"
    return 0
  fi
  local tmp=$VERSION_DIR/libs.tmp start=$SECONDS
  rm -rf "$tmp"
  write_pom
  log "fetching org.apache.kafka:kafka_2.13:$VERSION and its runtime dependencies with Maven..."
  mvn_quiet -f "$VERSION_DIR/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp" \
    || die "mvn could not resolve Kafka $VERSION (does org.apache.kafka:kafka_2.13:$VERSION exist on Maven Central?)"
  if ((MAJOR >= 4)); then
    local log4j_version slf4j_version binding=log4j-slf4j-impl
    log4j_version=$(jar_version "$tmp" log4j-api)
    slf4j_version=$(jar_version "$tmp" slf4j-api)
    [[ -n $log4j_version ]] || die "Kafka $VERSION did not bring log4j-api; cannot pick a log4j2 slf4j binding"
    [[ $slf4j_version == 1.* ]] || binding=log4j-slf4j2-impl
    mvn_quiet -f "$VERSION_DIR/pom.xml" "$DEP_PLUGIN:copy" \
      -Dartifact="org.apache.logging.log4j:$binding:$log4j_version" -DoutputDirectory="$tmp" \
      || die "mvn could not fetch org.apache.logging.log4j:$binding:$log4j_version"
  fi
  [[ -f $tmp/kafka_2.13-$VERSION.jar ]] || die "kafka_2.13-$VERSION.jar missing after mvn run"
  check_bindings "$tmp"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  exec 8>&-
  log "fetched Kafka $VERSION: $(find "$LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$LIBS" | cut -f1), $((SECONDS - start)) s"
}

# ---------------------------------------------------------------- helpers

write_log_configs() {
  if ((MAJOR < 4)); then
    cat >"$DATA_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
    cat >"$DATA_DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
  else
    cat >"$DATA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.clients.name = org.apache.kafka.clients
logger.clients.level = warn
EOF
    cat >"$DATA_DIR/tools-log4j2.properties" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = STDERR
EOF
  fi
}

log_opt() { # $1 = config file prefix ("" for the broker, "tools-" for CLI tools)
  if ((MAJOR < 4)); then
    printf '%s\n' "-Dlog4j.configuration=file:$DATA_DIR/${1}log4j.properties"
  else
    printf '%s\n' "-Dlog4j2.configurationFile=$DATA_DIR/${1}log4j2.properties"
  fi
}

# Run a Kafka CLI class with the cached jars and quiet logging.
kafka_tool() {
  local cls=$1
  shift
  [[ -f $DATA_DIR/tools-log4j.properties || -f $DATA_DIR/tools-log4j2.properties ]] \
    || { mkdir -p "$DATA_DIR"; write_log_configs; }
  java "${TOOL_JAVA_OPTS[@]}" "$(log_opt tools-)" -cp "$LIBS/*" "$cls" "$@"
}

read_pid() {
  local pid=''
  if [[ -f $PID_FILE ]]; then read -r pid <"$PID_FILE" || true; fi
  [[ $pid =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
}

# True if $1 is a live Kafka broker process (guards against pid reuse).
is_kafka_pid() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka '
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A real Kafka request: list topics through the admin client.
broker_answers() {
  local cfg=$DATA_DIR/admin.properties
  # Without the jars (cache wiped under a running broker) fall back to a TCP probe.
  [[ -f $LIBS/kafka_2.13-$VERSION.jar ]] || { port_open "$PORT"; return; }
  [[ -f $cfg ]] || printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=10000\n' >"$cfg"
  timeout 30 java "${TOOL_JAVA_OPTS[@]}" "$(log_opt tools-)" -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$PORT" --command-config "$cfg" --list >/dev/null 2>&1
}

version_of_data_dir() {
  [[ -f $DATA_DIR/kafka.version ]] && cat "$DATA_DIR/kafka.version"
  return 0
}

# ---------------------------------------------------------------- start/stop/status

write_server_properties() {
  cat >"$DATA_DIR/server.properties" <<EOF
# Generated by scripts/kafka.sh (Kafka $VERSION) -- rewritten on every start.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
log.dirs=$DATA_DIR/data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Keep records forever so topics can be replayed from the start.
log.retention.ms=-1
log.retention.bytes=-1
# The default 128 MiB compaction buffer is a quarter of the small heap.
log.cleaner.dedupe.buffer.size=33554432
EOF
  if ((MAJOR >= 4)); then
    cat >>"$DATA_DIR/server.properties" <<'EOF'
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  fi
  if [[ -n ${KAFKA_EXTRA_PROPERTIES:-} ]]; then
    printf '%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$DATA_DIR/server.properties"
  fi
}

format_storage() {
  local cluster_id out
  cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
  log "formatting $DATA_DIR/data (cluster id $cluster_id)"
  if ! out=$(kafka_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" \
    -c "$DATA_DIR/server.properties" 2>&1); then
    printf '%s\n' "$out" >&2
    die "StorageTool format failed"
  fi
  printf '%s\n' "$VERSION" >"$DATA_DIR/kafka.version"
  printf '%s\n' "$CONTROLLER_PORT" >"$DATA_DIR/controller.port"
}

fail_start() {
  log "error: $1"
  if [[ -f $LOG_FILE ]]; then
    local from
    from=$(grep -n '^===== ' "$LOG_FILE" | tail -n 1 | cut -d: -f1 || true)
    log "last lines of $LOG_FILE:"
    tail -n +"${from:-1}" "$LOG_FILE" | tail -n 40 >&2
  fi
  exit 1
}

cmd_start() {
  require java "install a JDK 17+"
  mkdir -p "$DATA_DIR"
  exec 9>"$DATA_DIR/.lock"
  flock 9
  local pid
  pid=$(read_pid || true)
  if [[ ${KAFKA_RESET:-0} == 1 ]]; then
    if is_kafka_pid "$pid"; then
      log "KAFKA_RESET=1: stopping the running broker (pid $pid)"
      stop_pid "$pid"
    fi
    log "KAFKA_RESET=1: wiping $DATA_DIR"
    find "$DATA_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
    pid=''
  elif is_kafka_pid "$pid"; then
    local running_version
    running_version=$(version_of_data_dir)
    [[ -z $running_version || $running_version == "$VERSION" ]] \
      || die "Kafka $running_version is already running on port $PORT (pid $pid), not $VERSION; stop it first"
    if broker_answers; then
      log "Kafka $VERSION already running (pid $pid) on 127.0.0.1:$PORT"
      printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$PORT"
      return 0
    fi
    die "Kafka process $pid is alive but does not answer on 127.0.0.1:$PORT; run '$0 stop' (or KAFKA_RESET=1)"
  fi
  rm -f "$PID_FILE"
  port_open "$PORT" && die "port $PORT is already in use by another process (set KAFKA_PORT)"
  port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"

  cmd_fetch
  local t0=$SECONDS
  write_log_configs
  write_server_properties
  if [[ -f $DATA_DIR/data/meta.properties ]]; then
    local fmt_version fmt_cport
    fmt_version=$(version_of_data_dir)
    fmt_cport=$(cat "$DATA_DIR/controller.port" 2>/dev/null || true)
    [[ -z $fmt_version || $fmt_version == "$VERSION" ]] \
      || die "$DATA_DIR was formatted by Kafka $fmt_version, not $VERSION; use KAFKA_RESET=1 (wipes data) or another KAFKA_DATA_DIR/KAFKA_PORT"
    [[ -z $fmt_cport || $fmt_cport == "$CONTROLLER_PORT" ]] \
      || die "$DATA_DIR was formatted with controller port $fmt_cport, not $CONTROLLER_PORT; use KAFKA_RESET=1 or the old port"
    log "reusing existing data in $DATA_DIR/data"
  else
    format_storage
  fi

  log "starting Kafka $VERSION on 127.0.0.1:$PORT (controller 127.0.0.1:$CONTROLLER_PORT), log: $LOG_FILE"
  # Keep one previous log once it gets big (INFO logging, ~2k lines per start).
  if [[ -f $LOG_FILE ]] && (($(wc -c <"$LOG_FILE") > 50 * 1024 * 1024)); then
    mv -f "$LOG_FILE" "$LOG_FILE.1"
  fi
  printf '\n===== %s: starting Kafka %s =====\n' "$(date -u +%FT%TZ)" "$VERSION" >>"$LOG_FILE"
  # shellcheck disable=SC2086,SC2016 # HEAP_OPTS and GC_OPTS are a list of JVM flags; $$ is the launcher's
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-launcher "$PID_FILE" \
    java $HEAP_OPTS $GC_OPTS -Djava.awt.headless=true \
    "$(log_opt '')" -cp "$LIBS/*" kafka.Kafka "$DATA_DIR/server.properties" \
    >>"$LOG_FILE" 2>&1 </dev/null 8>&- 9>&- &
  # The launcher writes its own pid (== the java pid after exec).
  local deadline=$((SECONDS + START_TIMEOUT))
  while [[ ! -s $PID_FILE ]] && ((SECONDS < deadline)); do sleep 0.1; done
  pid=$(read_pid || true)
  [[ -n $pid ]] || fail_start "broker process did not start"

  while :; do
    kill -0 "$pid" 2>/dev/null || fail_start "Kafka exited during startup"
    if port_open "$PORT" && broker_answers; then
      break
    fi
    ((SECONDS < deadline)) || fail_start "Kafka did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s (pid $pid still running; '$0 stop' to kill it)"
    sleep 1
  done
  exec 9>&-
  log "Kafka $VERSION ready on 127.0.0.1:$PORT (pid $pid, $((SECONDS - t0)) s)"
  printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$PORT"
}

stop_pid() {
  local pid=$1 i
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "Kafka did not exit within 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$PID_FILE"
}

cmd_stop() {
  local pid
  pid=$(read_pid || true)
  if ! is_kafka_pid "$pid"; then
    rm -f "$PID_FILE"
    log "Kafka is not running (data dir $DATA_DIR)"
    return 0
  fi
  stop_pid "$pid"
  log "Kafka stopped"
}

cmd_status() {
  local pid
  pid=$(read_pid || true)
  if ! is_kafka_pid "$pid"; then
    log "Kafka is not running (data dir $DATA_DIR)"
    return 1
  fi
  set_version "$(version_of_data_dir)"
  if port_open "$PORT" && broker_answers; then
    log "Kafka $VERSION running (pid $pid) on 127.0.0.1:$PORT"
    printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$PORT"
    return 0
  fi
  log "Kafka process $pid is alive but not answering on 127.0.0.1:$PORT"
  return 1
}

# Version for commands that act on a (possibly running) broker: the one its
# data dir was formatted with, else KAFKA_VERSION / the default.
set_running_version() {
  local v
  v=$(version_of_data_dir)
  set_version "${KAFKA_VERSION:-${v:-}}"
  [[ -f $LIBS/kafka_2.13-$VERSION.jar ]] || cmd_fetch
}

main() {
  local cmd=${1:-}
  (($# > 0)) && shift
  case $cmd in
    fetch)
      (($# <= 1)) || die "usage: $0 fetch [VERSION]"
      set_version "${1:-}"
      cmd_fetch
      ;;
    start)
      (($# <= 1)) || die "usage: $0 start [VERSION]"
      set_version "${1:-}"
      cmd_start
      ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    topics)
      set_running_version
      kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" "$@"
      ;;
    run)
      (($# >= 1)) || die "usage: $0 run CLASS [ARGS...]"
      set_running_version
      kafka_tool "$@"
      ;;
    -h | --help | help) usage ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
