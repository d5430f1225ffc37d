#include "chaos_profile.hpp"

namespace fleetlink::test::chaos {

const ChaosProfile& chaosProfile() {
  static const ChaosProfile p{.name = "short",
                              .edges = 2,
                              .broker_period = std::chrono::seconds(10),
                              .broker_kills = 2,
                              .hub_kills = 2,
                              .edge_kills = 3,
                              .network_cuts = 2,
                              .cut_length = std::chrono::seconds(6),
                              .disk_full_for = std::chrono::seconds(8),
                              .clock_jumps = 2,
                              .warmup = std::chrono::seconds(3)};
  return p;
}

}  // namespace fleetlink::test::chaos
