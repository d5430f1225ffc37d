#!/usr/bin/env bash
# Makes the credentials of a fleet for the production broker (deploy/mosquitto/fleetlink.conf): a small CA, the
# broker's server certificate, one account per vehicle (password and client certificate), admin accounts, the
# hub's account, and the broker's password file and ACL. Re-running adds what is new and keeps what exists, so
# it can be run again for each new vehicle; several fleets can share one output folder (one broker).
#
#   deploy/fleet-credentials.sh --out /srv/fleetlink-pki --fleet acme --broker-host mqtt.acme.example \
#       --vehicle truck-7 --vehicle van-2 --admin ops
#
#   --out DIR            output folder (created); keep it private, it holds the CA key
#   --fleet ID           fleet the vehicles and admins belong to
#   --vehicle ID         a vehicle (repeatable); --vehicles-file FILE reads one id per line
#   --admin NAME         an admin account NAME.admin@FLEET for fleetlinkctl (repeatable)
#   --broker-host NAME   the broker's DNS name, put in its certificate (repeatable; the first is written into
#                        the vehicles' identity files)
#   --san ENTRY          extra subjectAltName of the broker certificate, e.g. IP:10.0.0.5 (repeatable)
#   --auth cert|password how the vehicles' identity files authenticate (default cert: mutual TLS on port 8884;
#                        password: TLS on port 8883). Both credentials are made either way.
#   --days N             validity of the vehicle and broker certificates (default 825)
#
# Output:
#   DIR/broker/          ca.crt server.crt server.key passwd acl   -> /etc/mosquitto/fleetlink/
#   DIR/vehicles/FLEET/ID/  identity.toml ca.crt vehicle.crt vehicle.key password -> the board, through
#                        `fleetlink-provision --bundle DIR/vehicles/FLEET/ID`
#   DIR/hub/             hub-mqtt.toml (the hub's [mqtt] account) ca.crt
#   DIR/admins/FLEET/NAME/  password, fleetlinkctl.env
set -euo pipefail
umask 077

out="" fleet="" auth=cert days=825
vehicles=() admins=() hosts=() sans=()
die() { echo "fleet-credentials: $*" >&2; exit 2; }
valid_id() { [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?}"; shift 2 ;;
    --fleet) fleet="${2:?}"; shift 2 ;;
    --vehicle) vehicles+=("${2:?}"); shift 2 ;;
    --vehicles-file) mapfile -t -O "${#vehicles[@]}" vehicles < <(grep -v '^\s*\(#\|$\)' "${2:?}"); shift 2 ;;
    --admin) admins+=("${2:?}"); shift 2 ;;
    --broker-host) hosts+=("${2:?}"); shift 2 ;;
    --san) sans+=("${2:?}"); shift 2 ;;
    --auth) auth="${2:?}"; shift 2 ;;
    --days) days="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \"$1\" (try --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required"
[ -n "$fleet" ] || die "--fleet ID is required"
valid_id "$fleet" || die "fleet id \"$fleet\": 1-64 of A-Z a-z 0-9 _ -, not starting with _ or -"
for v in "${vehicles[@]}"; do valid_id "$v" || die "vehicle id \"$v\": 1-64 of A-Z a-z 0-9 _ -, not starting with _ or -"; done
for a in "${admins[@]}"; do valid_id "$a" || die "admin name \"$a\": 1-64 of A-Z a-z 0-9 _ -"; done
[[ "$auth" == cert || "$auth" == password ]] || die "--auth must be cert or password"
[ ${#hosts[@]} -gt 0 ] || hosts=("mqtt.$fleet.example")
command -v openssl >/dev/null || die "openssl is needed"
command -v mosquitto_passwd >/dev/null || die "mosquitto_passwd is needed (Debian package mosquitto)"

mkdir -p "$out"/{ca,broker,hub} "$out/vehicles/$fleet" "$out/admins/$fleet"
registry="$out/accounts.tsv"   # kind <TAB> fleet <TAB> account: the source the ACL is rebuilt from
touch "$registry"

newpass() { openssl rand -base64 24 | tr -d '/+=\n' | cut -c1-24; }

# --- the CA (one per output folder) --------------------------------------------------------------------------------
if [ ! -f "$out/ca/ca.crt" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca/ca.key"
  openssl req -x509 -new -key "$out/ca/ca.key" -sha256 -days 3650 -subj "/O=fleetlink/CN=fleetlink CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$out/ca/ca.crt" 2>/dev/null
  echo "fleet-credentials: new CA $out/ca/ca.crt"
fi
chmod 0644 "$out/ca/ca.crt"

# sign KEYFILE CSR-SUBJECT OUTCERT EXTENSIONS
sign() {
  local ext
  ext=$(mktemp)
  printf '%b' "$4" >"$ext"
  openssl req -new -key "$1" -subj "$2" 2>/dev/null |
    openssl x509 -req -CA "$out/ca/ca.crt" -CAkey "$out/ca/ca.key" -CAcreateserial -CAserial "$out/ca/ca.srl" \
      -days "$days" -sha256 -extfile "$ext" -out "$3" 2>/dev/null
  rm -f "$ext"
  chmod 0644 "$3"
}

# --- the broker's certificate (made again when the host names change) ---------------------------------------------
san="$(printf 'DNS:%s,' "${hosts[@]}")$(printf '%s,' "${sans[@]+"${sans[@]}"}")"
san="${san%,}"
if [ ! -f "$out/broker/server.crt" ] || [ "$(cat "$out/broker/server.san" 2>/dev/null)" != "$san" ]; then
  [ -f "$out/broker/server.key" ] || openssl ecparam -name prime256v1 -genkey -noout -out "$out/broker/server.key"
  sign "$out/broker/server.key" "/O=fleetlink/CN=${hosts[0]}" "$out/broker/server.crt" \
    "subjectAltName=$san\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyAgreement\n"
  echo "$san" >"$out/broker/server.san"
  echo "fleet-credentials: broker certificate for $san"
fi
cp "$out/ca/ca.crt" "$out/broker/ca.crt"
# Mosquitto reads its key as the mosquitto user once it has dropped root.
chmod 0640 "$out/broker/server.key"

register() { grep -qxF "$1	$2	$3" "$registry" || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$registry"; }
# set_password ACCOUNT FILE: keeps an existing password, else makes one; adds it to the broker's passwd
set_password() {
  [ -s "$2" ] || newpass >"$2"
  if [ -f "$out/broker/passwd" ]; then
    mosquitto_passwd -b "$out/broker/passwd" "$1" "$(cat "$2")"
  else
    touch "$out/broker/passwd"
    mosquitto_passwd -b "$out/broker/passwd" "$1" "$(cat "$2")"
  fi
}

# --- the hub's account (all fleets) -------------------------------------------------------------------------------
set_password fleetlink-hub "$out/hub/password"
register hub _ fleetlink-hub
cp "$out/ca/ca.crt" "$out/hub/ca.crt"
cat >"$out/hub/hub-mqtt.toml" <<TOML
# The hub's broker account: merge into /etc/fleetlink/hub.toml (or pass as a second --config).
[mqtt]
host = "127.0.0.1"
port = 1883
username = "fleetlink-hub"
password = "$(cat "$out/hub/password")"
TOML

# --- vehicles -----------------------------------------------------------------------------------------------------
for v in "${vehicles[@]}"; do
  account="$v@$fleet"
  dir="$out/vehicles/$fleet/$v"
  mkdir -p "$dir"
  set_password "$account" "$dir/password"
  [ -f "$dir/vehicle.key" ] || openssl ecparam -name prime256v1 -genkey -noout -out "$dir/vehicle.key"
  [ -f "$dir/vehicle.crt" ] || sign "$dir/vehicle.key" "/O=fleetlink/OU=$fleet/CN=$account" "$dir/vehicle.crt" \
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyAgreement\n"
  cp "$out/ca/ca.crt" "$dir/ca.crt"
  if [ "$auth" = cert ]; then
    creds=$'port = 8884\ntls_cert = "/etc/fleetlink/vehicle.crt"\ntls_key = "/etc/fleetlink/vehicle.key"'
  else
    creds="port = 8883"$'\n'"password = \"$(cat "$dir/password")\""
  fi
  cat >"$dir/identity.toml" <<TOML
# Identity of vehicle $v in fleet $fleet: install with fleetlink-provision --bundle <this folder>.
[device]
fleet = "$fleet"
vehicle = "$v"

[mqtt]
host = "${hosts[0]}"
username = "$account"
tls = true
tls_ca = "/etc/fleetlink/ca.crt"
$creds
TOML
  register vehicle "$fleet" "$v"
done

# --- admins -------------------------------------------------------------------------------------------------------
for a in "${admins[@]}"; do
  account="$a.admin@$fleet"
  dir="$out/admins/$fleet/$a"
  mkdir -p "$dir"
  set_password "$account" "$dir/password"
  printf 'FLEETLINK_FLEET=%s\nFLEETLINK_MQTT_USER=%s\nFLEETLINK_MQTT_PASSWORD=%s\n' "$fleet" "$account" \
    "$(cat "$dir/password")" >"$dir/fleetlinkctl.env"
  register admin "$fleet" "$a"
done

# --- the ACL, rebuilt from every account made so far ---------------------------------------------------------------
here="$(cd "$(dirname "$0")" && pwd)"
{
  cat "$here/mosquitto/acl.header"
  while IFS=$'\t' read -r kind f name; do
    case "$kind" in
      vehicle)
        printf '\nuser %s@%s\n' "$name" "$f"
        printf 'topic write fl/v1/%s/v/%s/up\ntopic write fl/v1/%s/v/%s/state\ntopic read fl/v1/%s/v/%s/cmd\n' \
          "$f" "$name" "$f" "$name" "$f" "$name" ;;
      admin)
        printf '\nuser %s.admin@%s\n' "$name" "$f"
        printf 'topic write fl/v1/%s/admin/req\ntopic read fl/v1/%s/admin/res/+\n' "$f" "$f"
        printf 'topic read fl/v1/%s/alerts\ntopic read fl/v1/%s/live\ntopic read fl/v1/%s/v/+/state\n' "$f" "$f" "$f" ;;
    esac
  done <"$registry"
} >"$out/broker/acl.new"
mv "$out/broker/acl.new" "$out/broker/acl"
chmod 0644 "$out/broker/acl" "$out/broker/passwd"

echo "fleet-credentials: fleet $fleet: ${#vehicles[@]} vehicle(s), ${#admins[@]} admin(s) in $out" \
     "($(grep -c . "$registry") accounts in total); broker files in $out/broker"
