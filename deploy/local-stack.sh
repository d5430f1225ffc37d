#!/usr/bin/env bash
# Runs the whole fleetlink stack on this machine: Mosquitto on loopback, the hub with its dashboard, and a
# few vehicles, each a real fleetlink-edge reading its own gpsd, fed by gpsfake with a drive generated from
# the routes in deploy/routes/, plus (optionally) a larger simulated fleet from fleetlink-sim speaking the same
# wire protocol. Prints the dashboard URL with a bearer token. Ctrl-C stops everything.
#
#   deploy/local-stack.sh [--vehicles N] [--sim-vehicles M] [--duration SECONDS] [--no-install] [--no-build]
#                         [--web-port P] [--mqtt-port P]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

VEHICLES=3
SIM_VEHICLES=20
DURATION=0
INSTALL=1
BUILD=1
WEB_PORT=8080
MQTT_PORT=1883
FLEET=demo
while [ $# -gt 0 ]; do
  case "$1" in
    --vehicles) VEHICLES=$2; shift 2 ;;
    --sim-vehicles) SIM_VEHICLES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --no-build) BUILD=0; shift ;;
    --web-port) WEB_PORT=$2; shift 2 ;;
    --mqtt-port) MQTT_PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "local-stack: unknown option $1" >&2; exit 2 ;;
  esac
done

[ "$INSTALL" = 1 ] && bash scripts/install-deps.sh
if [ "$BUILD" = 1 ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)"
fi
BIN=${FLEETLINK_BIN:-$ROOT/build/release}  # FLEETLINK_BIN: use another build folder

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { local p=$1; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }
MQTT_PORT=$(pick_port "$MQTT_PORT")
WEB_PORT=$(pick_port "$WEB_PORT")

RUN=${FLEETLINK_RUN_DIR:-$ROOT/run/stack}  # FLEETLINK_RUN_DIR: where logs and data go
rm -rf "$RUN"
mkdir -p "$RUN"
chmod 777 "$RUN"
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  echo "local-stack: stopping"
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
start() {  # start NAME CMD...: runs CMD in its own process group, output to $RUN/NAME.log
  local name=$1; shift
  setsid "$@" >"$RUN/$name.log" 2>&1 &
  PIDS+=($!)
}

# Broker on loopback.
cat >"$RUN/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
socket_domain ipv4
allow_anonymous true
persistence true
persistence_location $RUN/
log_dest stderr
max_queued_messages 1000000
set_tcp_nodelay true
$( [ "$(id -u)" = 0 ] && echo "user root" )
CONF
start mosquitto mosquitto -c "$RUN/mosquitto.conf"
for _ in $(seq 50); do port_free "$MQTT_PORT" || break; sleep 0.1; done

# Hub.
mkdir -p "$RUN/hub"
start hub "$BIN/hub/fleetlink-hub" --config deploy/local/hub.toml \
  --mqtt.port="$MQTT_PORT" --web.port="$WEB_PORT" --hub.data_dir="$RUN/hub"

# Vehicles: each its own generated drive, gpsd (via gpsfake) and agent.
mapfile -t ROUTES < <(ls deploy/routes/*.toml)
for i in $(seq 1 "$VEHICLES"); do
  v=van-$i
  route=${ROUTES[$(( (i - 1) % ${#ROUTES[@]} ))]}
  mkdir -p "$RUN/$v"
  "$BIN/tools/nmea-drive/fleetlink-nmea-drive" --route "$route" --laps 30 --out "$RUN/$v/drive.nmea"
  gps_port=$(pick_port $((2947 + i * 10)))
  # Three sentences per fix: one fix a second.
  start "$v-gpsd" gpsfake -q -c 0.333 -P "$gps_port" "$RUN/$v/drive.nmea"
  for _ in $(seq 100); do port_free "$gps_port" || break; sleep 0.1; done
  start "$v-edge" "$BIN/edge/fleetlink-edge" --config deploy/local/edge.toml \
    --device.fleet="$FLEET" --device.vehicle="$v" --device.data_dir="$RUN/$v" \
    --gps.port="$gps_port" --mqtt.port="$MQTT_PORT"
done

# A simulated fleet on top: same protocol, same broker, routes around the same city.
if [ "$SIM_VEHICLES" -gt 0 ]; then
  start sim "$BIN/tools/fleetlink-sim" --broker "127.0.0.1:$MQTT_PORT" --fleet "$FLEET" \
    --vehicles "$SIM_VEHICLES" --vehicle-prefix sim --routes deploy/routes --panic-every 1h --progress 60s
fi

# Wait for the hub's web port before printing where to look.
for _ in $(seq 100); do port_free "$WEB_PORT" || break; sleep 0.1; done
TOKEN=$("$BIN/hub/web/fleetlink-token" --config deploy/local/hub.toml --role admin --sub local-admin --ttl 24h)

echo
echo "fleetlink is running: broker 127.0.0.1:$MQTT_PORT, $VEHICLES edge agents and $SIM_VEHICLES simulated vehicles of fleet '$FLEET'"
echo "  dashboard:  http://127.0.0.1:$WEB_PORT/?token=$TOKEN"
echo "  HTTP API:   curl -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$WEB_PORT/api/v1/vehicles"
echo "  admin CLI:  $BIN/tools/fleetlinkctl/fleetlinkctl --broker 127.0.0.1:$MQTT_PORT --fleet $FLEET vehicles.list"
echo "  logs:       $RUN/*.log"
echo "Ctrl-C stops everything."

# Sleep in the background and wait for it, so a SIGTERM or Ctrl-C runs the clean-up at once.
if [ "$DURATION" -gt 0 ]; then
  sleep "$DURATION" &
else
  sleep infinity &
fi
wait $!
