#include "tools/fleet-sim/sim_vehicle.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>

#include "fleetlink/common/wire.hpp"

namespace fleetlink::sim {
namespace {

void putVarint(std::string& o, std::uint64_t v) {
  while (v >= 0x80) {
    o.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  o.push_back(static_cast<char>(v));
}

// Uplink field numbers (fleetlink.proto): historical = 4, sent_at_ms = 5, records = 6.
constexpr char kTagHistorical = (4 << 3) | 0;
constexpr char kTagSentAt = (5 << 3) | 0;
constexpr char kTagRecord = (6 << 3) | 2;

}  // namespace

SimVehicle::SimVehicle(VehicleIdentity id, VehicleBehaviour behaviour, TrackCursor cursor)
    : id_(std::move(id)), beh_(std::move(behaviour)), cursor_(std::move(cursor)) {
  v1::Uplink h;
  h.set_fleet_id(id_.fleet);
  h.set_vehicle_id(id_.vehicle);
  h.set_device_id(id_.device_id);
  header_ = h.SerializeAsString();
}

void SimVehicle::start(std::int64_t now_ms, std::int64_t offline_ms) {
  const std::int64_t from = now_ms - std::max<std::int64_t>(0, offline_ms);
  started_ = true;
  link_up_ = from == now_ms;
  start_ms_ = from;
  next_tick_ms_ = from;
  next_health_ms_ = beh_.health_every_ms > 0 ? from : 0;
  next_panic_ms_ = beh_.panic_first_ms > 0 ? from + beh_.panic_first_ms : 0;
  next_outage_ms_ = beh_.outage_first_ms > 0 && beh_.outage_length_ms > 0 ? from + beh_.outage_first_ms : 0;
  addDuty(from, link_up_, true);
  // The offline gap: every period's record is made now, as the board would have buffered it.
  while (!link_up_ && next_tick_ms_ < now_ms) tick(next_tick_ms_, false);
  link_up_ = true;
}

void SimVehicle::tick(std::int64_t now_ms, bool link_up) {
  link_up_ = link_up;
  if (next_outage_ms_ > 0 && now_ms >= next_outage_ms_) {
    outage_until_ms_ = now_ms + beh_.outage_length_ms;
    ++stats_.outages;
    next_outage_ms_ = beh_.outage_every_ms > 0 ? next_outage_ms_ + beh_.outage_every_ms : 0;
  }
  const bool live = link_up && !inOutage(now_ms);
  addPosition(now_ms, live);
  if (next_health_ms_ > 0 && now_ms >= next_health_ms_) {
    addHealth(now_ms, live);
    next_health_ms_ += beh_.health_every_ms;
  }
  if (next_panic_ms_ > 0 && now_ms >= next_panic_ms_) {
    v1::Record r;
    auto* p = r.mutable_panic();
    p->set_source(v1::PANIC_SOURCE_GPIO);
    p->set_pressed_at_ms(deviceMs(now_ms));
    fillPosition(*p->mutable_last_position(), now_ms);
    panics_.push_back({next_seq_, deviceMs(now_ms)});
    addRecord(r, now_ms, live, true);
    next_panic_ms_ = beh_.panic_every_ms > 0 ? next_panic_ms_ + beh_.panic_every_ms : 0;
  }
  // Keep a steady cadence even when a tick runs late; skip missed periods rather than bunching them.
  next_tick_ms_ += beh_.period_ms;
  if (next_tick_ms_ <= now_ms) next_tick_ms_ = now_ms + beh_.period_ms;
}

void SimVehicle::stop(std::int64_t now_ms) {
  if (!started_) return;
  // The run is ending: any outage ends with it so the backlog can drain before the report is written.
  outage_until_ms_ = 0;
  next_outage_ms_ = 0;
  next_panic_ms_ = 0;
  addDuty(now_ms, link_up_, false);
  flush_live_ = true;
}

void SimVehicle::fillPosition(v1::Position& p, std::int64_t now_ms) const {
  const TrackPoint t = cursor_.at(now_ms - start_ms_);
  p.set_lat(t.lat);
  p.set_lon(t.lon);
  p.set_alt_m(t.alt_m);
  p.set_speed_mps(t.speed_mps);
  p.set_heading_deg(t.heading_deg);
  p.set_h_accuracy_m(3.5f);
  p.set_v_accuracy_m(6.0f);
  p.set_fix_mode(v1::FIX_MODE_3D);
  p.set_satellites(t.satellites);
}

void SimVehicle::addRecord(v1::Record& r, std::int64_t now_ms, bool live, bool panic) {
  r.set_seq(next_seq_++);
  r.set_epoch(id_.epoch);
  r.set_boot_id(id_.boot_id);
  if (r.time_ms() == 0) {
    r.set_time_ms(deviceMs(now_ms));
    r.set_time_source(v1::TIME_SOURCE_SYSTEM);
  }
  Pending p{r.seq(), now_ms, r.SerializeAsString()};
  p.live = live;
  p.panic = panic;
  if (panic) {
    panics_.back().seq = r.seq();
    panics_.back().record = p.bytes;
  }
  pending_.push_back(std::move(p));
  ++stats_.records_created;
  if (!live && inOutage(now_ms)) ++stats_.outage_records;
  if (live) ++queued_live_;
  else ++queued_backlog_;
}

void SimVehicle::addPosition(std::int64_t now_ms, bool live) {
  v1::Record r;
  fillPosition(*r.mutable_position(), now_ms);
  r.set_time_ms(now_ms);  // GPS time: right even when the board's clock is skewed
  r.set_time_source(v1::TIME_SOURCE_GPS);
  addRecord(r, now_ms, live);
}

void SimVehicle::addHealth(std::int64_t now_ms, bool live) {
  v1::Record r;
  auto* h = r.mutable_health();
  std::uint64_t bytes = 0;
  for (const auto& p : pending_) bytes += p.bytes.size();
  h->set_buffer_records(pending_.size());
  h->set_buffer_bytes(bytes);
  h->set_oldest_unsent_age_s(pending_.empty() ? 0 : static_cast<std::uint64_t>((now_ms - pending_.front().created_ms) / 1000));
  h->set_disk_free_bytes(8ull << 30);
  h->set_uptime_s(static_cast<std::uint64_t>((now_ms - start_ms_) / 1000));
  h->set_gps_state(v1::GPS_STATE_FIX);
  h->set_broker_reconnects(static_cast<std::uint32_t>(stats_.outages));
  h->set_agent_version(beh_.agent_version);
  h->set_config_hash(beh_.config_hash);
  addRecord(r, now_ms, live);
}

void SimVehicle::addDuty(std::int64_t now_ms, bool live, bool login) {
  v1::Record r;
  auto* d = r.mutable_duty();
  d->set_driver_id(login ? id_.driver_id : "");
  d->set_status(login ? v1::DUTY_STATUS_ON_DUTY : v1::DUTY_STATUS_OFF_DUTY);
  addRecord(r, now_ms, live);
  flush_live_ = true;
}

void SimVehicle::addAck(std::int64_t now_ms, const std::string& command_id, v1::AckStatus status,
                        const std::string& detail) {
  v1::Record r;
  auto* a = r.mutable_command_ack();
  a->set_command_id(command_id);
  a->set_status(status);
  a->set_detail(detail);
  a->set_config_hash(beh_.config_hash);
  addRecord(r, now_ms, link_up_ && !inOutage(now_ms));
  flush_live_ = true;
  if (status == v1::ACK_STATUS_ACCEPTED) ++stats_.commands_accepted;
  else ++stats_.commands_rejected;
}

OutMessage SimVehicle::buildMessage(const std::vector<Pending*>& records, bool historical) {
  OutMessage m;
  m.historical = historical;
  m.send_id = next_send_id_++;
  if (next_send_id_ == 0) next_send_id_ = 1;
  std::size_t size = header_.size() + 16;
  for (const Pending* p : records) size += p->bytes.size() + 4;
  m.payload.reserve(size);
  // Protobuf merges concatenated fields, so the shared header plus per-record fields is a valid Uplink and
  // each record is serialized once however often it is sent.
  m.payload = header_;
  if (historical) {
    m.payload.push_back(kTagHistorical);
    m.payload.push_back(1);
  }
  m.payload.push_back(kTagSentAt);
  putVarint(m.payload, static_cast<std::uint64_t>(deviceMs(records.front()->created_ms)));
  m.first_seq = records.front()->seq;
  m.last_seq = records.front()->seq;
  for (Pending* p : records) {
    m.payload.push_back(kTagRecord);
    putVarint(m.payload, p->bytes.size());
    m.payload += p->bytes;
    p->state = State::InFlight;
    p->send_id = m.send_id;
    m.first_seq = std::min(m.first_seq, p->seq);
    m.last_seq = std::max(m.last_seq, p->seq);
    if (p->live) --queued_live_;
    else --queued_backlog_;
  }
  m.records = static_cast<int>(records.size());
  ++stats_.messages_sent;
  if (historical) stats_.historical_records_sent += records.size();
  else stats_.live_records_sent += records.size();
  return m;
}

void SimVehicle::collect(std::int64_t now_ms, bool link_up, std::size_t backlog_budget, std::vector<OutMessage>& out) {
  link_up_ = link_up;
  if (!started_ || !link_up || inOutage(now_ms)) return;
  std::vector<Pending*> batch;

  // Panics jump every queue: each goes alone, the moment it can.
  if (queuedRecords() > 0) {
    for (auto& p : pending_) {
      if (p.state != State::Queued || !p.panic) continue;
      batch = {&p};
      out.push_back(buildMessage(batch, !p.live));
      for (auto& t : panics_) {
        if (t.seq == p.seq) {
          t.last_sent_ms = now_ms;
          ++t.sends;
        }
      }
    }
  }
  // Until the hub answers with a PanicAck, the panic goes again every resend period (same seq: the hub
  // stores it once).
  for (auto& t : panics_) {
    if (t.acked || t.last_sent_ms == 0 || now_ms - t.last_sent_ms < beh_.panic_resend_ms) continue;
    OutMessage m;
    m.kind = OutMessage::Kind::PanicResend;
    m.payload = header_;
    m.payload.push_back(kTagSentAt);
    putVarint(m.payload, static_cast<std::uint64_t>(deviceMs(now_ms)));
    const std::string& bytes = t.record;
    m.payload.push_back(kTagRecord);
    putVarint(m.payload, bytes.size());
    m.payload += bytes;
    m.first_seq = m.last_seq = t.seq;
    m.records = 1;
    out.push_back(std::move(m));
    t.last_sent_ms = now_ms;
    ++t.sends;
    ++stats_.messages_sent;
  }

  if (queued_live_ > 0 &&
      (queued_live_ >= static_cast<std::size_t>(beh_.records_per_message) || flush_live_)) {
    batch.clear();
    for (auto& p : pending_)
      if (p.state == State::Queued && p.live && !p.panic) batch.push_back(&p);
    if (!batch.empty()) out.push_back(buildMessage(batch, false));
    flush_live_ = false;
  }

  while (backlog_budget > 0 && queued_backlog_ > 0) {
    batch.clear();
    for (auto& p : pending_) {
      if (p.state == State::Queued && !p.live && !p.panic) batch.push_back(&p);
      if (batch.size() >= static_cast<std::size_t>(beh_.backlog_batch)) break;
    }
    if (batch.empty()) break;
    out.push_back(buildMessage(batch, true));
    --backlog_budget;
  }
}

void SimVehicle::settle(std::uint32_t send_id, std::uint64_t first, std::uint64_t last, bool ok) {
  auto it = std::lower_bound(pending_.begin(), pending_.end(), first,
                             [](const Pending& p, std::uint64_t s) { return p.seq < s; });
  for (; it != pending_.end() && it->seq <= last; ++it) {
    if (it->state != State::InFlight || it->send_id != send_id) continue;
    if (ok) {
      it->state = State::Acked;
      ++stats_.records_acked;
    } else {
      // Lost with the link: back to the queue as backlog, re-sent flagged historical.
      it->state = State::Queued;
      it->live = false;
      ++queued_backlog_;
      ++stats_.records_requeued;
    }
  }
  while (!pending_.empty() && pending_.front().state == State::Acked) pending_.pop_front();
}

void SimVehicle::acked(std::uint32_t send_id, std::uint64_t first, std::uint64_t last) {
  settle(send_id, first, last, true);
}

void SimVehicle::failed(std::uint32_t send_id, std::uint64_t first, std::uint64_t last) {
  settle(send_id, first, last, false);
}

bool SimVehicle::onCommand(std::string_view payload, std::int64_t now_ms) {
  auto cmd = wire::decodeCommand(payload);
  if (!cmd) {
    ++stats_.commands_malformed;
    return false;
  }
  if (cmd->has_panic_ack()) {
    const auto& a = cmd->panic_ack();
    for (auto& t : panics_) {
      if (a.epoch() == id_.epoch && a.seq() == t.seq) {
        if (!t.acked) t.acked_at_ms = now_ms;
        t.acked = true;
        return false;
      }
    }
    ++stats_.panic_acks_unknown;
    return false;
  }
  if (cmd->command_id().empty()) {
    ++stats_.commands_malformed;
    return false;
  }
  if (cmd->expires_at_ms() != 0 && cmd->expires_at_ms() < deviceMs(now_ms)) {
    addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_REJECTED, "command expired before it reached the vehicle");
    return false;
  }
  switch (cmd->body_case()) {
    case v1::Command::kPing:
    case v1::Command::kDriverMessage:
      addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_ACCEPTED, "");
      return false;
    case v1::Command::kResync:
      addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_ACCEPTED, "");
      addHealth(now_ms, link_up_ && !inOutage(now_ms));
      return true;
    case v1::Command::kConfigUpdate: {
      const auto& u = cmd->config_update();
      if (!u.expected_config_hash().empty() && u.expected_config_hash() != beh_.config_hash) {
        addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_REJECTED,
               "configuration changed since the update was prepared (expected " + u.expected_config_hash() +
                   ", have " + beh_.config_hash + ")");
        return false;
      }
      // The simulator has no settings of its own to change; it answers like an agent that applied them, with
      // a new hash derived from the old one and the keys set.
      std::map<std::string, std::string> sorted(u.set().begin(), u.set().end());
      std::string text = beh_.config_hash;
      for (const auto& [k, v] : sorted) text += "\n" + k + "=" + v;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(text));
      beh_.config_hash = hex;
      addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_ACCEPTED, "");
      return false;
    }
    default:
      addAck(now_ms, cmd->command_id(), v1::ACK_STATUS_REJECTED, "command has no body this agent understands");
      return false;
  }
}

std::string SimVehicle::statePayload(v1::VehicleState::Connection c, std::int64_t now_ms) const {
  v1::VehicleState s;
  s.set_connection(c);
  s.set_device_id(id_.device_id);
  s.set_agent_version(beh_.agent_version);
  s.set_boot_id(id_.boot_id);
  s.set_config_hash(beh_.config_hash);
  s.set_at_ms(deviceMs(now_ms));
  return s.SerializeAsString();
}

std::uint64_t SimVehicle::ackedThrough() const {
  return pending_.empty() ? next_seq_ - 1 : pending_.front().seq - 1;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> SimVehicle::unackedRanges() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& p : pending_) {
    if (p.state == State::Acked) continue;
    if (!out.empty() && out.back().second + 1 == p.seq) out.back().second = p.seq;
    else out.emplace_back(p.seq, p.seq);
  }
  return out;
}

}  // namespace fleetlink::sim
