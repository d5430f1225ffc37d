// Bytes from a broker as fleetlink-sim's MQTT 5 reader splits them into packets, fed in two pieces.
#include "fuzz/fuzz_target.hpp"
#include "tools/fleet-sim/mqtt5_codec.hpp"

using namespace fleetlink;

FLEETLINK_FUZZ_TARGET(mqtt5_reader) {
  const auto bytes = fuzz::asText(data, size);
  sim::mqtt5::PacketReader reader;
  const std::size_t split = size > 0 ? data[0] % (size + 1) : 0;
  std::size_t packets = 0;
  reader.feed(bytes.substr(0, split));
  while (reader.next()) ++packets;
  reader.feed(bytes.substr(split));
  while (reader.next()) ++packets;
  fuzz::fuzzCheck(packets <= size / 2, "every packet takes at least two bytes");
  return 0;
}
