#include "chaos_profile.hpp"

namespace fleetlink::test::chaos {

const ChaosProfile& chaosProfile() {
  static const ChaosProfile p{.name = "long",
                              .edges = 4,
                              .broker_period = std::chrono::seconds(30),
                              .broker_kills = 8,
                              .hub_kills = 6,
                              .edge_kills = 12,
                              .network_cuts = 6,
                              .cut_length = std::chrono::seconds(20),
                              .disk_full_for = std::chrono::seconds(60),
                              .clock_jumps = 6,
                              .warmup = std::chrono::seconds(10)};
  return p;
}

}  // namespace fleetlink::test::chaos
