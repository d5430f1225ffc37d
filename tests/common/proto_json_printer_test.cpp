// The reflection JSON printer against protobuf's own, on random messages of every type in the schema: where it
// answers, the text is protobuf's to the byte; where it does not (maps, bytes, well-known types, text beyond
// ASCII), wire::toJson still gives protobuf's.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/json_util.h>

#include "fleetlink/common/proto_json_printer.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "fleetlink/v1/feed.pb.h"

using namespace fleetlink;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

std::string protobufJson(const Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  REQUIRE(google::protobuf::util::MessageToJsonString(m, &out, opts).ok());
  return out;
}

// Random values, biased to the edges: zeros (also negative), extremes, non-finite numbers, characters that need
// escaping, text beyond ASCII, enum numbers the schema does not name.
class Filler {
 public:
  Filler(std::uint32_t seed, bool ascii_only) : rng_(seed), ascii_only_(ascii_only) {}

  void fill(Message& m, int depth) {
    const Descriptor* d = m.GetDescriptor();
    const auto* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!chance(0.6)) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) continue;
      if (f->is_repeated()) {
        const int n = pick(0, 3);
        for (int k = 0; k < n; ++k) add(m, *r, f, depth);
      } else {
        set(m, *r, f, depth);
      }
    }
  }

 private:
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  double aDouble() {
    static const double kEdges[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1e-7, 1e30, -2.5e-300, DBL_MAX, DBL_MIN, 4.9e-324,
                                    52.3731, 4.8922, std::nan(""), INFINITY, -INFINITY};
    if (chance(0.5)) return kEdges[pick(0, std::size(kEdges) - 1)];
    return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
  }
  float aFloat() {
    static const float kEdges[] = {0.0f, -0.0f, 1.0f, 0.1f, 13.9f, 1e-7f, 3.4e38f, FLT_MIN, 1.4e-45f,
                                   std::nanf(""), INFINITY, -INFINITY};
    if (chance(0.5)) return kEdges[pick(0, std::size(kEdges) - 1)];
    return std::uniform_real_distribution<float>(-1e4f, 1e4f)(rng_);
  }
  std::int64_t anInt64() {
    static const std::int64_t kEdges[] = {0, -1, 1, std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int64_t>::max(), 1'790'000'000'123};
    if (chance(0.5)) return kEdges[pick(0, std::size(kEdges) - 1)];
    return std::uniform_int_distribution<std::int64_t>()(rng_);
  }
  std::string aString() {
    static const std::string kAscii[] = {"", "veh-0042", "a\"b\\c/d", "<b>&'x'</b>", "\x01\x1f\x7f", "tab\there\nnl\r\b\f",
                                         "Overspeed: 97 km/h in a 80 km/h limit"};
    static const std::string kOther[] = {"caf\xc3\xa9", "line\xe2\x80\xa8sep", "\xf0\x9f\x9a\x9a truck"};
    if (!ascii_only_ && chance(0.2)) return kOther[pick(0, std::size(kOther) - 1)];
    if (chance(0.7)) return kAscii[pick(0, std::size(kAscii) - 1)];
    std::string s(static_cast<std::size_t>(pick(0, 12)), ' ');
    for (auto& c : s) c = static_cast<char>(pick(0x01, 0x7f));
    return s;
  }
  int anEnum(const FieldDescriptor* f) {
    const auto* e = f->enum_type();
    if (chance(0.1)) return 77;  // open enums keep numbers they do not name
    return e->value(pick(0, e->value_count() - 1))->number();
  }

  void set(Message& m, const google::protobuf::Reflection& r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r.SetInt32(&m, f, static_cast<std::int32_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_UINT32: r.SetUInt32(&m, f, static_cast<std::uint32_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_INT64: r.SetInt64(&m, f, anInt64()); break;
      case FieldDescriptor::CPPTYPE_UINT64: r.SetUInt64(&m, f, static_cast<std::uint64_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r.SetDouble(&m, f, aDouble()); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r.SetFloat(&m, f, aFloat()); break;
      case FieldDescriptor::CPPTYPE_BOOL: r.SetBool(&m, f, chance(0.5)); break;
      case FieldDescriptor::CPPTYPE_ENUM: r.SetEnumValue(&m, f, anEnum(f)); break;
      case FieldDescriptor::CPPTYPE_STRING: r.SetString(&m, f, aString()); break;
      case FieldDescriptor::CPPTYPE_MESSAGE: fill(*r.MutableMessage(&m, f), depth + 1); break;
    }
  }
  void add(Message& m, const google::protobuf::Reflection& r, const FieldDescriptor* f, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r.AddInt32(&m, f, static_cast<std::int32_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_UINT32: r.AddUInt32(&m, f, static_cast<std::uint32_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_INT64: r.AddInt64(&m, f, anInt64()); break;
      case FieldDescriptor::CPPTYPE_UINT64: r.AddUInt64(&m, f, static_cast<std::uint64_t>(anInt64())); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r.AddDouble(&m, f, aDouble()); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r.AddFloat(&m, f, aFloat()); break;
      case FieldDescriptor::CPPTYPE_BOOL: r.AddBool(&m, f, chance(0.5)); break;
      case FieldDescriptor::CPPTYPE_ENUM: r.AddEnumValue(&m, f, anEnum(f)); break;
      case FieldDescriptor::CPPTYPE_STRING: r.AddString(&m, f, aString()); break;
      case FieldDescriptor::CPPTYPE_MESSAGE: fill(*r.AddMessage(&m, f), depth + 1); break;
    }
  }

  std::mt19937 rng_;
  bool ascii_only_;
};

// Every message type of the schema's files, nested types included.
std::vector<const Descriptor*> schemaMessages() {
  std::vector<const Descriptor*> out;
  std::set<const google::protobuf::FileDescriptor*> files;
  const auto* feed = v1::FeedMessage::descriptor()->file();
  files.insert(feed);
  for (int i = 0; i < feed->dependency_count(); ++i) files.insert(feed->dependency(i));
  files.insert(v1::AdminRequest::descriptor()->file());
  std::vector<const Descriptor*> todo;
  for (const auto* f : files)
    for (int i = 0; i < f->message_type_count(); ++i) todo.push_back(f->message_type(i));
  while (!todo.empty()) {
    const Descriptor* d = todo.back();
    todo.pop_back();
    if (d->options().map_entry()) continue;
    out.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) todo.push_back(d->nested_type(i));
  }
  return out;
}

}  // namespace

TEST_CASE("the reflection JSON printer writes protobuf's text for random messages of every schema type",
          "[schema][json]") {
  const auto types = schemaMessages();
  REQUIRE(types.size() > 20);
  std::size_t printed = 0, handed_over = 0;
  std::uint32_t seed = 20261208;
  for (const Descriptor* d : types) {
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
    REQUIRE(prototype != nullptr);
    for (int i = 0; i < 150; ++i) {
      std::unique_ptr<Message> m(prototype->New());
      Filler(++seed, false).fill(*m, 0);
      const std::string expected = protobufJson(*m);
      INFO(d->full_name() << " seed " << seed << ": " << m->ShortDebugString());
      const auto fast = wire::printProtoJson(*m);
      if (fast) {
        ++printed;
        REQUIRE(*fast == expected);
      } else {
        ++handed_over;
      }
      CHECK(wire::toJson(*m) == expected);
    }
  }
  CHECK(printed > handed_over);  // most of them: the schema has few maps and bytes fields
}

TEST_CASE("the live feed's messages with ASCII text always take the reflection printer", "[schema][json]") {
  std::uint32_t seed = 7;
  for (const Descriptor* d : {v1::LiveUpdate::descriptor(), v1::Alert::descriptor(), v1::RouteProgress::descriptor()}) {
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
    for (int i = 0; i < 300; ++i) {
      std::unique_ptr<Message> m(prototype->New());
      Filler(++seed, true).fill(*m, 0);
      INFO(d->full_name() << " seed " << seed << ": " << m->ShortDebugString());
      const auto fast = wire::printProtoJson(*m);
      REQUIRE(fast.has_value());
      CHECK(*fast == protobufJson(*m));
    }
  }
}

TEST_CASE("the reflection printer hands maps, bytes and text beyond ASCII to protobuf", "[schema][json]") {
  v1::FeedMessage with_map;
  (*with_map.mutable_offsets())["acme"] = 3;
  CHECK_FALSE(wire::printProtoJson(with_map));
  CHECK(wire::toJson(with_map) == protobufJson(with_map));

  v1::LiveUpdate accented;
  accented.set_vehicle_id("camion-\xc3\xa9t\xc3\xa9");
  CHECK_FALSE(wire::printProtoJson(accented));
  CHECK(wire::toJson(accented) == R"({"vehicle_id":"camion-été"})");

  v1::LiveUpdate plain;
  plain.set_vehicle_id("van-1");
  plain.mutable_position()->set_lat(-0.0);
  plain.set_time_ms(1'790'000'000'123);
  CHECK(wire::printProtoJson(plain) == std::optional<std::string>(
                                           R"({"vehicle_id":"van-1","position":{"lat":-0},"time_ms":"1790000000123"})"));
}
