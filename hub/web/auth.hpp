#pragma once
// Bearer tokens: who a caller is and what it may see. JWTs signed HS256 with the hub's shared secret, or
// RS256/ES256 with a key whose public half the hub holds. Claims: sub, role (admin | dispatcher | viewer),
// fleets (array; admin may omit it = every fleet), vehicles (array; a viewer limited to those), exp (required).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fleetlink/common/expected.hpp"

namespace fleetlink::hub::web {

enum class Role { Admin, Dispatcher, Viewer };
std::string_view roleName(Role r);

struct Principal {
  std::string subject;
  Role role = Role::Viewer;
  std::vector<std::string> fleets;    // empty for an admin without a fleet claim: every fleet
  std::vector<std::string> vehicles;  // non-empty: only these vehicles (viewer tracking pages)
  std::int64_t expires_at_ms = 0;

  bool allFleets() const { return role == Role::Admin && fleets.empty(); }
  bool mayReadFleet(std::string_view fleet) const;
  // A vehicle of a readable fleet; with a vehicle limit only those vehicles (an empty vehicle = fleet-wide data).
  bool mayReadVehicle(std::string_view fleet, std::string_view vehicle) const;
  bool mayWrite() const { return role != Role::Viewer; }
};

// Why a token was refused; each reason is counted separately in the metrics.
enum class AuthFailure { Missing, Malformed, Signature, Expired, Claims };
std::string_view authFailureName(AuthFailure f);

struct AuthError {
  AuthFailure reason;
  std::string message;  // for the caller: what was wrong and what to do
};

// The result of a verification: a principal or a refusal.
struct AuthResult {
  bool ok = false;
  Principal principal;
  AuthError error{AuthFailure::Missing, ""};
};

class TokenVerifier {
 public:
  // `hs256_secret` and/or the PEM text of a public key (RSA or EC). Neither: every token is refused.
  TokenVerifier(std::string hs256_secret, std::string public_key_pem);
  // Reads the public key file named in web.jwt_public_key (empty name = none).
  static Expected<TokenVerifier> fromSettings(const std::string& secret, const std::string& public_key_file);

  AuthResult verify(std::string_view token, std::int64_t now_ms) const;
  bool configured() const { return !secret_.empty() || !public_key_.empty(); }

 private:
  std::string secret_;
  std::string public_key_;
};

struct TokenClaims {
  std::string subject;
  Role role = Role::Dispatcher;
  std::vector<std::string> fleets;
  std::vector<std::string> vehicles;
  std::int64_t issued_at_ms = 0;
  std::int64_t expires_at_ms = 0;
};

// Signs a token with the shared secret (HS256), or with a private key PEM for "RS256"/"ES256".
Expected<std::string> issueToken(const TokenClaims& claims, const std::string& key, std::string_view algorithm = "HS256");

// The token of a request: "Authorization: Bearer X" or, for browsers, the access_token query parameter.
std::string bearerFromHeader(std::string_view authorization);

}  // namespace fleetlink::hub::web
