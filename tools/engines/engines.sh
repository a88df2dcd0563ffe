#!/usr/bin/env bash
# The real engines without Docker: Apache Kafka (KRaft, one node), OpenSearch (one node) and
# Elasticsearch (one node, on request), from Maven Central, on free loopback ports, data under
# $ENGINES_DIR (default ./.engines).
#
#   eval "$(tools/engines/engines.sh start)"   # Kafka + OpenSearch: start (or find running), export
#   tools/engines/engines.sh start kafka       # only one of them (kafka, opensearch, elasticsearch)
#   tools/engines/engines.sh status            # what runs, where
#   tools/engines/engines.sh fetch             # resolve every engine's jars now, start nothing
#   tools/engines/engines.sh stop              # stop them all (or one: stop NAME); none is left
#
# `start` prints on stdout only `export TENDERWATCH_...=...` lines; progress and errors go to
# stderr. Jars are resolved once with Maven from the poms beside this script (kept in the
# local Maven repository; the classpath is remembered in $ENGINES_DIR, so a second start needs
# no network). Starting twice is harmless: what runs is reused; a stopped engine starts again
# empty. Heaps are small (Kafka 512 MB, OpenSearch and Elasticsearch 768 MB each) so they fit
# beside the test suite on a 2-core machine.
#
# Elasticsearch 9 starts only when asked for (`start elasticsearch`), with a Java 21 or newer
# ($ES_JAVA, else the newest of $JAVA and /usr/lib/jvm/*): only its server and HTTP module are on Maven
# Central, not analysis-common (the Dutch stemmer and ASCII folding the tenders index needs),
# mapper-extras, aggregations, reindex or lang-painless. The node runs real Elasticsearch
# without them: the test suite proves the Elasticsearch client adapter on it, and `tenderwatch
# setup` refuses it, naming the missing module. `start` exports one search cluster (OpenSearch),
# because tenderwatch searches one; `start elasticsearch` exports TENDERWATCH_ELASTICSEARCH_URL.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ENGINES_DIR="${ENGINES_DIR:-./.engines}"
mkdir -p "$ENGINES_DIR"
ENGINES_DIR="$(cd "$ENGINES_DIR" && pwd)"
JAVA="${JAVA:-java}"
KAFKA_HEAP="${KAFKA_HEAP:-512m}"
OPENSEARCH_HEAP="${OPENSEARCH_HEAP:-768m}"
ELASTICSEARCH_HEAP="${ELASTICSEARCH_HEAP:-768m}"
START_TIMEOUT_S="${START_TIMEOUT_S:-120}"

say() { echo "engines: $*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

running() {  # running NAME: the engine's process is alive
  local pid_file="$ENGINES_DIR/$1/pid"
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

classpath() {  # classpath NAME: resolve once (Maven), then from the file
  local name="$1" file="$ENGINES_DIR/$1.classpath"
  if [ -s "$file" ] && tr ':' '\n' < "$file" | while read -r jar; do [ -e "$jar" ] || exit 1; done; then
    cat "$file"
    return
  fi
  command -v mvn >/dev/null || { say "Maven (mvn) is needed to resolve the $name jars"; exit 3; }
  say "resolving the $name jars with Maven (once; they stay in the local Maven repository)"
  local pom_dir="$HERE/$name" extra=""
  if [ -d "$pom_dir/src" ]; then  # a launcher of our own: compiled into tools/engines/NAME/target
    mvn -q -B -f "$pom_dir/pom.xml" package -DskipTests >&2 \
      || { say "compiling the $name launcher failed (JAVA_HOME=${JAVA_HOME:-unset})"; exit 4; }
    cp "$pom_dir"/target/*.jar "$ENGINES_DIR/$name-launcher.jar"
    extra="$ENGINES_DIR/$name-launcher.jar:"
  fi
  mvn -q -B -f "$pom_dir/pom.xml" dependency:build-classpath -Dmdep.outputFile="$file.tmp" >&2
  echo "${extra}$(cat "$file.tmp")" > "$file"
  rm -f "$file.tmp"
  cat "$file"
}

wait_until() {  # wait_until NAME COMMAND...: until COMMAND succeeds, the process dies, or time runs out
  local name="$1"; shift
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      say "$name exited while starting; its log:"; tail -n 40 "$ENGINES_DIR/$name/out.log" >&2; exit 4
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$name did not answer within ${START_TIMEOUT_S}s; its log:"; tail -n 40 "$ENGINES_DIR/$name/out.log" >&2; exit 4
    fi
    sleep 1
  done
}

kafka_answers() {
  python3 - "$1" <<'PY'
import socket, struct, sys
host, port = sys.argv[1].rsplit(":", 1)
# ApiVersions v0 request: the broker answers it before anything else is set up.
body = struct.pack(">hhih", 18, 0, 1, 7) + b"engines"
with socket.create_connection((host, int(port)), timeout=2) as connection:
    connection.sendall(struct.pack(">i", len(body)) + body)
    size = struct.unpack(">i", connection.recv(4))[0]
    sys.exit(0 if size > 0 else 1)
PY
}

launch() {  # launch NAME ADDRESS HEAP JAVA-ARGS...: start the engine's JVM in the background, note pid and address
  local name="$1" address="$2" heap="$3" dir="$ENGINES_DIR/$1"; shift 3
  nohup "$JAVA" "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true "$@" > "$dir/out.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  echo "$address" > "$dir/address"
}

start_kafka() {
  local dir="$ENGINES_DIR/kafka"
  if running kafka; then say "kafka already runs at $(cat "$dir/address")"; return; fi
  mkdir -p "$dir"
  local cp; cp="$(classpath kafka)"
  local port controller
  port="${KAFKA_PORT:-$(free_port)}"; controller="$(free_port)"  # KAFKA_PORT: a chosen port (a test's "restart")
  cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
EOF
  # A new address each start: the old log's metadata names the old listeners, so start afresh.
  rm -rf "$dir/data"
  "$JAVA" -cp "$cp" -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" kafka.tools.StorageTool format \
    -t "$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')" \
    -c "$dir/server.properties" > "$dir/format.log" 2>&1 \
    || { say "formatting Kafka's log directory failed; its log:"; tail -n 40 "$dir/format.log" >&2; exit 4; }
  say "starting Apache Kafka (KRaft) on 127.0.0.1:$port"
  launch kafka "127.0.0.1:$port" "$KAFKA_HEAP" \
    -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -cp "$cp" kafka.Kafka "$dir/server.properties"
  wait_until kafka kafka_answers "127.0.0.1:$port"
  say "kafka answers at 127.0.0.1:$port"
}

start_opensearch() {
  local dir="$ENGINES_DIR/opensearch"
  if running opensearch; then say "opensearch already runs at $(cat "$dir/address")"; return; fi
  mkdir -p "$dir/home"
  local cp; cp="$(classpath opensearch)"
  local port transport
  port="$(free_port)"; transport="$(free_port)"
  # Each start begins empty, as Kafka's does: indices of earlier runs (every test makes its own)
  # would pile up to the node's shard limit.
  rm -rf "$dir/home/data"
  say "starting OpenSearch on 127.0.0.1:$port"
  launch opensearch "http://127.0.0.1:$port" "$OPENSEARCH_HEAP" \
    -Dlog4j2.disable.jmx=true -cp "$cp" tenderwatch.engines.OpenSearchNode "$dir/home" "$port" "$transport"
  wait_until opensearch python3 -c "import sys, urllib.request, json; \
health = json.load(urllib.request.urlopen('http://127.0.0.1:$port/_cluster/health', timeout=2)); \
sys.exit(health['status'] not in ('green', 'yellow'))"
  say "opensearch answers at http://127.0.0.1:$port"
}

java_version() {  # java_version JAVA: its feature version (17, 21, 25), or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

es_java() {  # a Java 21+ for Elasticsearch 9: $ES_JAVA, else the newest of $JAVA and /usr/lib/jvm/*
  if [ -n "${ES_JAVA:-}" ]; then
    [ "$(java_version "$ES_JAVA")" -ge 21 ] 2>/dev/null && echo "$ES_JAVA"
    return
  fi
  local candidate version best="" best_version=0
  for candidate in "$(command -v "$JAVA" 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    [ -x "$candidate" ] || continue
    version="$(java_version "$candidate")"
    case "$version" in ''|*[!0-9]*) continue ;; esac
    if [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then best="$candidate"; best_version="$version"; fi
  done
  [ -n "$best" ] && echo "$best"
}

start_elasticsearch() {
  local dir="$ENGINES_DIR/elasticsearch"
  if running elasticsearch; then say "elasticsearch already runs at $(cat "$dir/address")"; return; fi
  local java; java="$(es_java)" || { say "Elasticsearch 9 needs Java 21 or newer: none found (ES_JAVA=${ES_JAVA:-unset}; looked at $JAVA and /usr/lib/jvm/*)"; exit 3; }
  mkdir -p "$dir/home"
  local cp; cp="$(JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java")")")" classpath elasticsearch)"
  local port transport
  port="$(free_port)"; transport="$(free_port)"
  rm -rf "$dir/home/data"  # each start begins empty, as OpenSearch's does
  say "starting Elasticsearch on 127.0.0.1:$port ($java)"
  JAVA="$java" launch elasticsearch "http://127.0.0.1:$port" "$ELASTICSEARCH_HEAP" \
    --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Dlog4j2.disable.jmx=true \
    -cp "$cp" org.elasticsearch.node.ClasspathNode "$dir/home" "$port" "$transport"
  wait_until elasticsearch python3 -c "import sys, urllib.request, json; \
health = json.load(urllib.request.urlopen('http://127.0.0.1:$port/_cluster/health', timeout=2)); \
sys.exit(health['status'] not in ('green', 'yellow'))"
  say "elasticsearch answers at http://127.0.0.1:$port (without analysis-common, mapper-extras, aggregations, reindex: not on Maven Central)"
}

stop_one() {
  local name="$1" dir="$ENGINES_DIR/$1"
  if ! running "$name"; then rm -f "$dir/pid"; return; fi
  local pid; pid="$(cat "$dir/pid")"
  say "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then say "$name did not stop in 30 s: killing it"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$dir/pid"
}

exports() {
  running kafka && echo "export TENDERWATCH_KAFKA_BOOTSTRAP_SERVERS=$(cat "$ENGINES_DIR/kafka/address")"
  case "$1" in
    elasticsearch) running elasticsearch && echo "export TENDERWATCH_ELASTICSEARCH_URL=$(cat "$ENGINES_DIR/elasticsearch/address")" ;;
    *) running opensearch && echo "export TENDERWATCH_OPENSEARCH_URL=$(cat "$ENGINES_DIR/opensearch/address")" ;;
  esac
  return 0
}

case "${1:-}" in
  start)
    command -v "$JAVA" >/dev/null || { say "Java 17 or newer is needed ($JAVA not found)"; exit 3; }
    case "${2:-all}" in
      all) start_kafka; start_opensearch ;;
      kafka) start_kafka ;;
      opensearch) start_opensearch ;;
      elasticsearch) start_elasticsearch ;;
      *) echo "usage: $0 start [all|kafka|opensearch|elasticsearch]" >&2; exit 2 ;;
    esac
    exports "${2:-all}"
    ;;
  fetch)  # resolve (and build) every engine's jars now, start nothing: CI does this before the tests
    command -v "$JAVA" >/dev/null || { say "Java 17 or newer is needed ($JAVA not found)"; exit 3; }
    classpath kafka >/dev/null
    classpath opensearch >/dev/null
    if es="$(es_java)"; then
      JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$es")")")" classpath elasticsearch >/dev/null
    else
      say "no Java 21 or newer: the Elasticsearch jars are not fetched (its tests will say so)"
    fi
    say "the engines' jars are in the local Maven repository; classpaths under $ENGINES_DIR"
    ;;
  stop)
    case "${2:-all}" in
      all) stop_one elasticsearch; stop_one opensearch; stop_one kafka ;;
      kafka|opensearch|elasticsearch) stop_one "$2" ;;
      *) echo "usage: $0 stop [all|kafka|opensearch|elasticsearch]" >&2; exit 2 ;;
    esac
    ;;
  status)
    for name in kafka opensearch elasticsearch; do
      if running "$name"; then echo "$name: running at $(cat "$ENGINES_DIR/$name/address") (pid $(cat "$ENGINES_DIR/$name/pid"))"
      else echo "$name: stopped"; fi
    done
    ;;
  *)
    echo "usage: $0 start [all|kafka|opensearch|elasticsearch] | stop [all|NAME] | status | fetch   (data and logs under \$ENGINES_DIR, default ./.engines)" >&2
    exit 2
    ;;
esac
