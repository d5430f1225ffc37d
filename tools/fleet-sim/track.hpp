#pragma once
// Where simulated vehicles drive. A Track is an endless 1 Hz path (route files from deploy/routes, routes
// generated around a centre point, or a replayed NMEA log); thousands of vehicles share a few tracks, each
// with its own starting point along it and a small offset in space, so memory stays flat with fleet size.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fleetlink/common/drive.hpp"
#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/geo.hpp"

namespace fleetlink::sim {

struct TrackPoint {
  double lat, lon;
  float alt_m, speed_mps, heading_deg;
  std::uint8_t satellites;
};

class Track {
 public:
  Track(std::string name, std::vector<TrackPoint> points);
  const std::string& name() const { return name_; }
  std::size_t size() const { return points_.size(); }
  // The point `t_s` seconds along the track (wrapping), interpolated between 1 Hz samples.
  TrackPoint at(double t_s) const;

  // A drive along a route's waypoints; a route that does not loop is driven there and back so the track
  // closes without a jump.
  static Track fromRoute(const drive::Route& route);
  // A replayed receiver log, played forwards then backwards for the same reason.
  static Expected<Track> fromNmeaFile(const std::string& path);
  // A looping delivery round of `stops` drops within `radius_m` of `centre`, city speeds.
  static Track generated(const std::string& name, geo::LatLon centre, double radius_m, int stops, std::mt19937_64& rng);

 private:
  std::string name_;
  std::vector<TrackPoint> points_;
};

// One vehicle's view of a shared track: where along it the vehicle started and how far it is shifted.
class TrackCursor {
 public:
  TrackCursor() = default;
  TrackCursor(std::shared_ptr<const Track> track, double start_s, double north_m, double east_m);
  TrackPoint at(std::int64_t elapsed_ms) const;
  const Track* track() const { return track_.get(); }

 private:
  std::shared_ptr<const Track> track_;
  double start_s_ = 0;
  double dlat_ = 0, dlon_ = 0;
};

// Builds the tracks for a run: every route file and NMEA log named, else `generated_count` generated routes.
struct TrackSources {
  std::vector<std::string> route_files;   // *.toml, or folders holding them
  std::vector<std::string> nmea_files;
  geo::LatLon centre{52.3702, 4.8952};
  double radius_m = 6000;
  int generated_count = 16;
};
Expected<std::vector<std::shared_ptr<const Track>>> buildTracks(const TrackSources& src, std::uint64_t seed);

}  // namespace fleetlink::sim
