#include "hub/web/auth.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <jwt/jwt.hpp>

#include "fleetlink/common/ids.hpp"

namespace fleetlink::hub::web {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

AuthResult refuse(AuthFailure reason, std::string message) {
  AuthResult r;
  r.error = {reason, std::move(message)};
  return r;
}

// The algorithm named in the token's header, read before verification so that each algorithm is only ever
// checked with its own kind of key (an HS256 token must never be verified with the public key as HMAC secret).
std::string headerAlgorithm(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  try {
    const auto header = nlohmann::json::parse(jwt::base64_uri_decode(token.data(), dot), nullptr, false);
    if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string()) return {};
    return header["alg"].get<std::string>();
  } catch (const std::exception&) {
    return {};
  }
}

Expected<std::vector<std::string>> idList(const nlohmann::json& payload, const char* name) {
  std::vector<std::string> out;
  if (!payload.contains(name)) return out;
  const auto& v = payload[name];
  if (!v.is_array()) return Error{std::string("claim '") + name + "' must be an array of ids"};
  for (const auto& x : v) {
    if (!x.is_string() || !isValidId(x.get<std::string>()))
      return Error{std::string("claim '") + name + "' holds an invalid id"};
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view roleName(Role r) {
  switch (r) {
    case Role::Admin: return "admin";
    case Role::Dispatcher: return "dispatcher";
    case Role::Viewer: return "viewer";
  }
  return "viewer";
}

std::string_view authFailureName(AuthFailure f) {
  switch (f) {
    case AuthFailure::Missing: return "missing";
    case AuthFailure::Malformed: return "malformed";
    case AuthFailure::Signature: return "signature";
    case AuthFailure::Expired: return "expired";
    case AuthFailure::Claims: return "claims";
  }
  return "malformed";
}

bool Principal::mayReadFleet(std::string_view fleet) const { return allFleets() || contains(fleets, fleet); }

bool Principal::mayReadVehicle(std::string_view fleet, std::string_view vehicle) const {
  if (!mayReadFleet(fleet)) return false;
  if (vehicles.empty()) return true;
  return !vehicle.empty() && contains(vehicles, vehicle);
}

TokenVerifier::TokenVerifier(std::string hs256_secret, std::string public_key_pem)
    : secret_(std::move(hs256_secret)), public_key_(std::move(public_key_pem)) {}

Expected<TokenVerifier> TokenVerifier::fromSettings(const std::string& secret, const std::string& public_key_file) {
  std::string pem;
  if (!public_key_file.empty()) {
    std::ifstream in(public_key_file);
    if (!in) return Error{"cannot read web.jwt_public_key file " + public_key_file + ": check the path and permissions"};
    std::ostringstream os;
    os << in.rdbuf();
    pem = os.str();
    if (pem.find("-----BEGIN PUBLIC KEY-----") == std::string::npos)
      return Error{"web.jwt_public_key file " + public_key_file + " is not a PEM public key (BEGIN PUBLIC KEY)"};
  }
  return TokenVerifier(secret, std::move(pem));
}

AuthResult TokenVerifier::verify(std::string_view token, std::int64_t now_ms) const {
  if (token.empty()) return refuse(AuthFailure::Missing, "no token: send 'Authorization: Bearer <token>' or ?access_token=");
  if (token.size() > 8192) return refuse(AuthFailure::Malformed, "token longer than 8 KiB");
  const std::string alg = headerAlgorithm(token);
  const std::string* key = nullptr;
  if (alg == "HS256" && !secret_.empty()) key = &secret_;
  if ((alg == "RS256" || alg == "ES256") && !public_key_.empty()) key = &public_key_;
  if (alg.empty()) return refuse(AuthFailure::Malformed, "not a JWT (header unreadable)");
  if (!key) return refuse(AuthFailure::Signature, "tokens signed with " + alg + " are not accepted by this hub");

  nlohmann::json payload;
  try {
    std::error_code ec;
    // Expiry is checked below against the hub's clock, so the library's own check is widened out of the way.
    auto obj = jwt::decode(jwt::string_view(token.data(), token.size()), jwt::params::algorithms({alg}), ec,
                           jwt::params::secret(*key), jwt::params::verify(true),
                           jwt::params::leeway(std::numeric_limits<std::uint32_t>::max()));
    if (ec) {
      if (ec == jwt::VerificationErrc::InvalidSignature) return refuse(AuthFailure::Signature, "token signature is not valid");
      return refuse(AuthFailure::Malformed, "token rejected: " + ec.message());
    }
    payload = obj.payload().create_json_obj();
  } catch (const std::exception& e) {
    return refuse(AuthFailure::Malformed, std::string("token rejected: ") + e.what());
  }

  AuthResult r;
  auto& p = r.principal;
  if (!payload.contains("exp") || !payload["exp"].is_number())
    return refuse(AuthFailure::Claims, "token has no 'exp' claim; tokens must expire");
  p.expires_at_ms = static_cast<std::int64_t>(payload["exp"].get<double>() * 1000.0);
  if (p.expires_at_ms <= now_ms) return refuse(AuthFailure::Expired, "token expired: ask for a new one");
  if (payload.contains("sub") && payload["sub"].is_string()) p.subject = payload["sub"].get<std::string>();
  if (p.subject.empty() || p.subject.size() > 128) return refuse(AuthFailure::Claims, "token 'sub' claim missing or too long");
  const std::string role = payload.value("role", std::string());
  if (role == "admin") p.role = Role::Admin;
  else if (role == "dispatcher") p.role = Role::Dispatcher;
  else if (role == "viewer") p.role = Role::Viewer;
  else return refuse(AuthFailure::Claims, "token 'role' must be admin, dispatcher or viewer");
  auto fleets = idList(payload, "fleets");
  if (!fleets) return refuse(AuthFailure::Claims, fleets.error().message);
  auto vehicles = idList(payload, "vehicles");
  if (!vehicles) return refuse(AuthFailure::Claims, vehicles.error().message);
  p.fleets = std::move(*fleets);
  p.vehicles = std::move(*vehicles);
  if (p.role != Role::Admin && p.fleets.empty())
    return refuse(AuthFailure::Claims, "a " + role + " token needs a 'fleets' claim");
  r.ok = true;
  return r;
}

Expected<std::string> issueToken(const TokenClaims& c, const std::string& key, std::string_view algorithm) {
  if (key.empty()) return Error{"no signing key: set web.jwt_secret in the hub configuration"};
  try {
    jwt::jwt_object obj{jwt::params::algorithm(std::string(algorithm)), jwt::params::secret(key)};
    obj.add_claim("sub", c.subject);
    obj.add_claim("role", std::string(roleName(c.role)));
    obj.add_claim("iat", static_cast<std::uint64_t>(c.issued_at_ms / 1000));
    obj.add_claim("exp", static_cast<std::uint64_t>(c.expires_at_ms / 1000));
    if (!c.fleets.empty()) obj.payload().add_claim("fleets", c.fleets);
    if (!c.vehicles.empty()) obj.payload().add_claim("vehicles", c.vehicles);
    std::error_code ec;
    auto token = obj.signature(ec);
    if (ec) return Error{"could not sign token: " + ec.message()};
    return token;
  } catch (const std::exception& e) {
    return Error{std::string("could not sign token: ") + e.what()};
  }
}

std::string bearerFromHeader(std::string_view h) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size()) return {};
  for (std::size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(kPrefix[i]))) return {};
  auto t = h.substr(kPrefix.size());
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return std::string(t);
}

}  // namespace fleetlink::hub::web
