#include "fleetlink/common/proto_json_printer.hpp"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fleetlink::wire {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Plain ASCII only, escaped as protobuf escapes it (it also escapes < > and DEL); anything else goes to protobuf,
// which checks UTF-8 and escapes some code points beyond ASCII.
bool appendString(std::string& out, const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c >= 0x80) return false;
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return true;
}

// protobuf's SimpleDtoa / SimpleFtoa: printf's %g with the type's guaranteed digits (15, 6), or with enough
// digits to read back the same value (17, 9) when those do not; std::to_chars with a precision is %g. protobuf
// reads a float back with strtof and counts its range error on a subnormal result as not reading back.
template <class Float>
void appendShortest(std::string& out, Float v) {
  constexpr int kDigits = sizeof(Float) == sizeof(float) ? FLT_DIG : DBL_DIG;
  constexpr int kExact = sizeof(Float) == sizeof(float) ? FLT_DIG + 3 : DBL_DIG + 2;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, kDigits);
  Float back{};
  std::from_chars(buf, r.ptr, back);
  const bool subnormal_float = sizeof(Float) == sizeof(float) && std::fpclassify(v) == FP_SUBNORMAL;
  if (back != v || subnormal_float) r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, kExact);
  out.append(buf, r.ptr);
}

// Finite numbers bare, the others as the strings the mapping names.
template <class Float>
void appendFloating(std::string& out, Float v) {
  if (std::isnan(v)) out += "\"NaN\"";
  else if (std::isinf(v)) out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  else appendShortest(out, v);
}

// Whether a field is on the wire, which is what protobuf's printer reads: a field with presence when set, any
// other when not at its default (a negative zero is not the default: its bits are not zero).
bool onTheWire(const Reflection& r, const Message& m, const FieldDescriptor* f) {
  if (f->has_presence()) return r.HasField(m, f);
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
    const double v = r.GetDouble(m, f);
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits != 0;
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
    const float v = r.GetFloat(m, f);
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits != 0;
  }
  return r.HasField(m, f);
}

bool covered(const Descriptor* d) { return d->file()->package() != "google.protobuf"; }

class Printer {
 public:
  explicit Printer(std::string& out) : out_(out) {}

  bool message(const Message& m) {
    const Descriptor* d = m.GetDescriptor();
    if (!covered(d)) return false;
    const Reflection& r = *m.GetReflection();
    // protobuf prints fields in wire order: by field number.
    std::vector<const FieldDescriptor*> fields;
    fields.reserve(static_cast<std::size_t>(d->field_count()));
    for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
    if (!std::is_sorted(fields.begin(), fields.end(), byNumber))
      std::sort(fields.begin(), fields.end(), byNumber);
    out_ += '{';
    bool first = true;
    for (const FieldDescriptor* f : fields) {
      if (f->is_map() || f->type() == FieldDescriptor::TYPE_BYTES || f->type() == FieldDescriptor::TYPE_GROUP)
        return false;
      const int n = f->is_repeated() ? r.FieldSize(m, f) : 0;
      if (f->is_repeated() ? n == 0 : !onTheWire(r, m, f)) continue;
      if (!first) out_ += ',';
      first = false;
      out_ += '"';
      out_ += f->name();  // ASCII identifiers: nothing to escape
      out_ += "\":";
      if (!f->is_repeated()) {
        if (!value(r, m, f, -1)) return false;
        continue;
      }
      out_ += '[';
      for (int i = 0; i < n; ++i) {
        if (i > 0) out_ += ',';
        if (!value(r, m, f, i)) return false;
      }
      out_ += ']';
    }
    out_ += '}';
    return true;
  }

 private:
  static bool byNumber(const FieldDescriptor* a, const FieldDescriptor* b) { return a->number() < b->number(); }

  // Field f of m, element i of a repeated field or the singular value when i < 0.
  bool value(const Reflection& r, const Message& m, const FieldDescriptor* f, int i) {
    const bool one = i < 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        out_ += std::to_string(one ? r.GetInt32(m, f) : r.GetRepeatedInt32(m, f, i));
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        out_ += std::to_string(one ? r.GetUInt32(m, f) : r.GetRepeatedUInt32(m, f, i));
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        out_ += '"';
        out_ += std::to_string(one ? r.GetInt64(m, f) : r.GetRepeatedInt64(m, f, i));
        out_ += '"';
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        out_ += '"';
        out_ += std::to_string(one ? r.GetUInt64(m, f) : r.GetRepeatedUInt64(m, f, i));
        out_ += '"';
        return true;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        appendFloating(out_, one ? r.GetDouble(m, f) : r.GetRepeatedDouble(m, f, i));
        return true;
      case FieldDescriptor::CPPTYPE_FLOAT:
        appendFloating(out_, one ? r.GetFloat(m, f) : r.GetRepeatedFloat(m, f, i));
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += (one ? r.GetBool(m, f) : r.GetRepeatedBool(m, f, i)) ? "true" : "false";
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number = one ? r.GetEnumValue(m, f) : r.GetRepeatedEnumValue(m, f, i);
        if (const auto* v = f->enum_type()->FindValueByNumber(number)) {
          out_ += '"';
          out_ += v->name();
          out_ += '"';
        } else {
          out_ += std::to_string(number);  // a value this schema does not know
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = one ? r.GetStringReference(m, f, &scratch) : r.GetRepeatedStringReference(m, f, i, &scratch);
        return appendString(out_, s);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return message(one ? r.GetMessage(m, f) : r.GetRepeatedMessage(m, f, i));
    }
    return false;
  }

  std::string& out_;
};

}  // namespace

std::optional<std::string> printProtoJson(const Message& m) {
  std::string out;
  out.reserve(256);
  if (!Printer(out).message(m)) return std::nullopt;
  return out;
}

}  // namespace fleetlink::wire
