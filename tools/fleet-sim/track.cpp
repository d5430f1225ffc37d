#include "tools/fleet-sim/track.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tools/fleet-sim/nmea_reader.hpp"

namespace fleetlink::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

TrackPoint pointFrom(const drive::Sample& s) {
  return {s.at.lat, s.at.lon, 12.0f, static_cast<float>(s.speed_mps), static_cast<float>(s.heading_deg), 9};
}

double lerpHeading(double a, double b, double f) {
  double d = std::fmod(b - a + 540.0, 360.0) - 180.0;
  return std::fmod(a + d * f + 360.0, 360.0);
}

}  // namespace

Track::Track(std::string name, std::vector<TrackPoint> points) : name_(std::move(name)), points_(std::move(points)) {
  if (points_.empty()) points_.push_back({0, 0, 0, 0, 0, 0});
}

TrackPoint Track::at(double t_s) const {
  const double n = static_cast<double>(points_.size());
  double pos = std::fmod(t_s, n);
  if (pos < 0) pos += n;
  const auto i = static_cast<std::size_t>(pos);
  const double f = pos - static_cast<double>(i);
  const TrackPoint& a = points_[i % points_.size()];
  const TrackPoint& b = points_[(i + 1) % points_.size()];
  TrackPoint p = a;
  p.lat = a.lat + (b.lat - a.lat) * f;
  p.lon = a.lon + (b.lon - a.lon) * f;
  p.speed_mps = static_cast<float>(a.speed_mps + (b.speed_mps - a.speed_mps) * f);
  p.heading_deg = static_cast<float>(lerpHeading(a.heading_deg, b.heading_deg, f));
  p.alt_m = static_cast<float>(a.alt_m + (b.alt_m - a.alt_m) * f);
  return p;
}

Track Track::fromRoute(const drive::Route& route) {
  drive::Route r = route;
  if (!r.loop) {
    for (auto it = route.waypoints.rbegin() + 1; it != route.waypoints.rend(); ++it) r.waypoints.push_back(*it);
  }
  std::vector<TrackPoint> pts;
  for (const auto& s : drive::simulate(r, 0, 1, 1000)) pts.push_back(pointFrom(s));
  return Track(route.name, std::move(pts));
}

Expected<Track> Track::fromNmeaFile(const std::string& path) {
  auto fixes = readNmeaFile(path);
  if (!fixes) return fixes.error();
  std::vector<TrackPoint> pts;
  for (const auto& f : *fixes) {
    pts.push_back({f.lat, f.lon, static_cast<float>(f.has_gga ? f.alt_m : 12.0),
                   static_cast<float>(f.speed_mps), static_cast<float>(f.heading_deg),
                   static_cast<std::uint8_t>(f.has_gga ? std::clamp(f.satellites, 4, 24) : 9)});
  }
  for (auto it = fixes->rbegin() + 1; it + 1 != fixes->rend(); ++it) {
    pts.push_back({it->lat, it->lon, static_cast<float>(it->has_gga ? it->alt_m : 12.0),
                   static_cast<float>(it->speed_mps), static_cast<float>(std::fmod(it->heading_deg + 180.0, 360.0)),
                   static_cast<std::uint8_t>(it->has_gga ? std::clamp(it->satellites, 4, 24) : 9)});
  }
  return Track(std::filesystem::path(path).filename().string(), std::move(pts));
}

Track Track::generated(const std::string& name, geo::LatLon centre, double radius_m, int stops, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  drive::Route r;
  r.name = name;
  r.cruise_kph = 30 + 40 * unit(rng);
  r.corner_kph = 15 + 10 * unit(rng);
  r.loop = true;
  // Waypoints around the centre in angular order, so the round does not cross itself much; every other one
  // is a drop with a dwell.
  const int n = std::max(3, stops * 2);
  const double start_angle = unit(rng) * 360.0;
  for (int i = 0; i < n; ++i) {
    const double angle = start_angle + 360.0 * i / n + (unit(rng) - 0.5) * (180.0 / n);
    const double dist = radius_m * (0.2 + 0.8 * std::sqrt(unit(rng)));
    drive::Waypoint w;
    w.at = geo::destination(centre, std::fmod(angle, 360.0), dist);
    w.stop_s = (i % 2 == 1) ? 20 + 70 * unit(rng) : 0;
    r.waypoints.push_back(w);
  }
  return fromRoute(r);
}

TrackCursor::TrackCursor(std::shared_ptr<const Track> track, double start_s, double north_m, double east_m)
    : track_(std::move(track)), start_s_(start_s) {
  const TrackPoint p0 = track_->at(0);
  dlat_ = north_m / geo::kEarthRadiusM * 180.0 / kPi;
  dlon_ = east_m / (geo::kEarthRadiusM * std::cos(p0.lat * kPi / 180.0)) * 180.0 / kPi;
}

TrackPoint TrackCursor::at(std::int64_t elapsed_ms) const {
  TrackPoint p = track_->at(start_s_ + static_cast<double>(elapsed_ms) / 1000.0);
  p.lat = std::clamp(p.lat + dlat_, -89.9, 89.9);
  p.lon += dlon_;
  if (p.lon > 180) p.lon -= 360;
  if (p.lon < -180) p.lon += 360;
  return p;
}

Expected<std::vector<std::shared_ptr<const Track>>> buildTracks(const TrackSources& src, std::uint64_t seed) {
  std::vector<std::shared_ptr<const Track>> out;
  std::vector<std::string> files;
  for (const auto& f : src.route_files) {
    std::error_code ec;
    if (std::filesystem::is_directory(f, ec)) {
      std::vector<std::string> found;
      for (const auto& e : std::filesystem::directory_iterator(f, ec))
        if (e.path().extension() == ".toml") found.push_back(e.path().string());
      if (found.empty()) return Error{"route folder " + f + " holds no *.toml route files"};
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(f);
    }
  }
  for (const auto& f : files) {
    auto route = drive::loadRoute(f);
    if (!route) return route.error().context("cannot load route");
    out.push_back(std::make_shared<const Track>(Track::fromRoute(*route)));
  }
  for (const auto& f : src.nmea_files) {
    auto t = Track::fromNmeaFile(f);
    if (!t) return t.error();
    out.push_back(std::make_shared<const Track>(std::move(*t)));
  }
  if (out.empty()) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < std::max(1, src.generated_count); ++i)
      out.push_back(std::make_shared<const Track>(
          Track::generated("generated-" + std::to_string(i + 1), src.centre, src.radius_m, 3 + i % 4, rng)));
  }
  return out;
}

}  // namespace fleetlink::sim
