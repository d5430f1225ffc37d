#pragma once
// The proto3 JSON mapping as wire::toJson prints it (proto field names, fields at their default omitted, int64
// as strings, enums by name), written straight from the message's reflection. protobuf's own printer converts
// the message to its binary form and back through a type resolver, several microseconds a message; this is a
// fraction of that, which matters for the hub's live feed (one JSON message per position).
//
// It covers singular and repeated scalars, strings, enums and nested messages. For anything else (maps, bytes,
// the google.protobuf well-known types, text that is not plain ASCII) it answers nullopt and the caller uses
// protobuf's printer, so the text is always protobuf's: tests compare both on random messages of every type.
#include <optional>
#include <string>

#include <google/protobuf/message.h>

namespace fleetlink::wire {

std::optional<std::string> printProtoJson(const google::protobuf::Message& m);

}  // namespace fleetlink::wire
