#pragma once
// The admin actions of docs/admin-actions.md, one function each, on the core's parts. Mutating actions land
// in the audit log (also when refused). Runs on the core thread; HubCore hands requests from other threads
// over to it.
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "fleetlink/common/expected.hpp"
#include "fleetlink/common/wire_json.hpp"
#include "fleetlink/v1/fleetlink.pb.h"
#include "hub/core/core_parts.hpp"

namespace fleetlink::hub::admin {

class AdminService {
 public:
  explicit AdminService(CoreParts parts);

  v1::AdminResponse handle(const std::string& fleet, const v1::AdminRequest& request);
  // The same with JSON arguments (used by handle(); handy for tests).
  Expected<nlohmann::json> run(const std::string& fleet, const std::string& action, const std::string& actor,
                               const nlohmann::json& args);

  static nlohmann::json vehicleJson(const state::VehicleView& v);

 private:
  using Action = std::function<Expected<nlohmann::json>(const std::string& fleet, const std::string& actor,
                                                        const nlohmann::json& args)>;
  struct Entry {
    Action fn;
    bool mutating;
  };
  void define();

  CoreParts p_;
  std::map<std::string, Entry> actions_;
};

// The answer as JSON text in the proto3 mapping, with "ok" always present ({"ok": false, "error": ...}), as
// docs/protocol.md shows it (the plain mapping leaves out false booleans).
std::string responseJson(const v1::AdminResponse& r);
// The answer in the request's encoding.
std::string encodeResponse(const v1::AdminResponse& r, wire::Encoding enc);

// google.protobuf.Value <-> JSON.
google::protobuf::Value toValue(const nlohmann::json& j);
nlohmann::json fromStruct(const google::protobuf::Struct& s);
nlohmann::json protoJson(const google::protobuf::Message& m);

}  // namespace fleetlink::hub::admin
