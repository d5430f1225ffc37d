#pragma once
// The edge agent's configuration: one schema (keys, types, defaults, checks) and the typed settings built
// from it. Every key can be set in the TOML file or on the command line (--section.key=value).
#include <chrono>
#include <cstdint>
#include <string>

#include "fleetlink/common/config.hpp"

namespace fleetlink::edge {

config::Schema edgeSchema();

struct EdgeSettings {
  struct Device {
    std::string fleet, vehicle, device_id, data_dir;
  } device;
  struct Gps {
    std::string host;
    int port;
    int min_fix_mode;             // 2 or 3
    double max_h_accuracy_m;      // reject fixes with a larger error estimate (0 = accept unknown)
    std::chrono::milliseconds reconnect_min, reconnect_max;
  } gps;
  struct Report {
    std::chrono::milliseconds moving_interval, stopped_interval, min_interval;
    double moving_speed_mps;
    double distance_m;
    double heading_change_deg;
  } report;
  struct Panic {
    std::string evdev_device;     // e.g. /dev/input/by-path/platform-gpio-keys-event; empty = off
    int evdev_key_code;
    std::string gpio_chip;        // e.g. gpiochip0; empty = off
    int gpio_line;
    bool gpio_active_low;
    std::string gpio_bias;        // as-is, pull-up, pull-down, disabled
    std::chrono::milliseconds debounce, hold, resend_interval;
    std::string led_chip;         // output line lit when the hub acknowledges a panic; empty = none
    int led_line;
    bool led_active_low;
    std::chrono::milliseconds led_on_for;
  } panic;
  struct Outbox {
    std::string path;
    std::uint64_t max_records, max_bytes;
    int batch_records;
    std::chrono::milliseconds flush_interval;
    std::chrono::milliseconds sync_interval;  // bound on what a power cut can lose
    std::size_t max_pending;                  // in-memory records while the disk is full
    std::chrono::milliseconds keep_delivered;  // delivered records kept for a hub's re-send request
  } outbox;
  struct Mqtt {
    std::string host;
    int port;
    std::string client_id, username, password;
    std::string tls_ca, tls_cert, tls_key;
    bool tls;
    std::chrono::milliseconds keepalive, reconnect_min, reconnect_max;
    int max_inflight;             // unacknowledged batches at once
    std::chrono::milliseconds session_expiry;
    std::chrono::milliseconds connect_timeout;
  } mqtt;
  struct Control {
    std::string socket;
  } control;
  struct Health {
    std::chrono::milliseconds interval;
    std::string thermal_zone;     // e.g. /sys/class/thermal/thermal_zone0/temp; empty = none
  } health;
  std::string log_level;
  std::string config_hash;
  std::string override_file;      // where accepted ConfigUpdate commands are persisted
};

EdgeSettings edgeSettings(const config::Config& cfg);

}  // namespace fleetlink::edge
