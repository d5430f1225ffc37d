#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <jwt/jwt.hpp>

#include "fleetlink/common/clock.hpp"
#include "hub/web/auth.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

using namespace fleetlink;
using namespace fleetlink::hub::web;

namespace {
const std::string kSecret = "s3cret";
std::int64_t now() { return SystemClock().nowMs(); }

std::string sign(Role role, std::vector<std::string> fleets, std::int64_t ttl_ms, const std::string& key = kSecret,
                 std::vector<std::string> vehicles = {}, const char* alg = "HS256") {
  TokenClaims c;
  c.subject = "dana";
  c.role = role;
  c.fleets = std::move(fleets);
  c.vehicles = std::move(vehicles);
  c.issued_at_ms = now();
  c.expires_at_ms = now() + ttl_ms;
  auto t = issueToken(c, key, alg);
  REQUIRE(t.ok());
  return *t;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
}  // namespace

TEST_CASE("an HS256 token carries subject, role, fleets and vehicles", "[web][auth]") {
  TokenVerifier v(kSecret, "");
  auto r = v.verify(sign(Role::Viewer, {"acme"}, 60'000, kSecret, {"v1"}), now());
  REQUIRE(r.ok);
  CHECK(r.principal.subject == "dana");
  CHECK(r.principal.role == Role::Viewer);
  CHECK(r.principal.fleets == std::vector<std::string>{"acme"});
  CHECK(r.principal.mayReadVehicle("acme", "v1"));
  CHECK_FALSE(r.principal.mayReadVehicle("acme", "v2"));
  CHECK_FALSE(r.principal.mayReadVehicle("acme", ""));  // fleet-wide data is not for a vehicle-limited token
  CHECK_FALSE(r.principal.mayReadFleet("other"));
  CHECK_FALSE(r.principal.mayWrite());
  CHECK(r.principal.expires_at_ms > now());
}

TEST_CASE("tokens are refused: missing, malformed, bad signature, expired, wrong claims", "[web][auth]") {
  TokenVerifier v(kSecret, "");
  auto reason = [&](const std::string& token) {
    auto r = v.verify(token, now());
    REQUIRE_FALSE(r.ok);
    return r.error.reason;
  };
  CHECK(reason("") == AuthFailure::Missing);
  CHECK(reason("garbage") == AuthFailure::Malformed);
  CHECK(reason("a.b.c") == AuthFailure::Malformed);
  CHECK(reason(sign(Role::Admin, {}, 60'000, "another-secret")) == AuthFailure::Signature);
  CHECK(reason(sign(Role::Admin, {}, -5'000)) == AuthFailure::Expired);
  CHECK(reason(sign(Role::Dispatcher, {}, 60'000)) == AuthFailure::Claims);  // a dispatcher needs fleets

  // A signature that does not match a tampered payload.
  auto good = sign(Role::Dispatcher, {"acme"}, 60'000);
  auto dot1 = good.find('.'), dot2 = good.rfind('.');
  const std::string evil = R"({"sub":"dana","role":"admin","exp":9999999999})";
  std::string b64 = jwt::base64_encode(evil.data(), evil.size());
  b64.resize(jwt::base64_uri_encode(b64.data(), b64.size()));
  auto tampered = good.substr(0, dot1 + 1) + b64 + good.substr(dot2);
  CHECK(reason(tampered) == AuthFailure::Signature);

  // No exp claim at all.
  jwt::jwt_object noexp{jwt::params::algorithm("HS256"), jwt::params::secret(kSecret)};
  noexp.add_claim("sub", "x").add_claim("role", "admin");
  CHECK(reason(noexp.signature()) == AuthFailure::Claims);

  // alg none.
  jwt::jwt_object none{jwt::params::algorithm("none")};
  none.add_claim("sub", "x").add_claim("role", "admin").add_claim("exp", 9999999999ULL);
  CHECK_FALSE(v.verify(none.signature(), now()).ok);
}

TEST_CASE("RS256 and ES256 tokens verify with the public key and the key never serves as an HMAC secret", "[web][auth]") {
  test::TempDir dir("fleetlink-auth");
  const auto rsa_key = dir.file("rsa.pem"), rsa_pub = dir.file("rsa.pub"), ec_key = dir.file("ec.pem"), ec_pub = dir.file("ec.pub");
  REQUIRE(test::run({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsa_key}).code == 0);
  REQUIRE(test::run({"openssl", "pkey", "-in", rsa_key, "-pubout", "-out", rsa_pub}).code == 0);
  REQUIRE(test::run({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec_key}).code == 0);
  REQUIRE(test::run({"openssl", "pkey", "-in", ec_key, "-pubout", "-out", ec_pub}).code == 0);

  auto rsa = TokenVerifier::fromSettings(kSecret, rsa_pub);
  REQUIRE(rsa.ok());
  auto r = rsa->verify(sign(Role::Dispatcher, {"acme"}, 60'000, readFile(rsa_key), {}, "RS256"), now());
  CHECK(r.ok);
  // The classic confusion: an HS256 token "signed" with the public key text must not pass.
  auto forged = rsa->verify(sign(Role::Admin, {}, 60'000, readFile(rsa_pub)), now());
  CHECK_FALSE(forged.ok);
  CHECK(forged.error.reason == AuthFailure::Signature);

  auto ec = TokenVerifier::fromSettings("", ec_pub);
  REQUIRE(ec.ok());
  CHECK(ec->verify(sign(Role::Admin, {}, 60'000, readFile(ec_key), {}, "ES256"), now()).ok);
  CHECK_FALSE(ec->verify(sign(Role::Admin, {}, 60'000, kSecret), now()).ok);  // no HS256 secret configured

  auto missing = TokenVerifier::fromSettings("", dir.file("nope.pub"));
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("web.jwt_public_key"));
}

TEST_CASE("bearer tokens are read from the Authorization header", "[web][auth]") {
  CHECK(bearerFromHeader("Bearer abc.def.ghi") == "abc.def.ghi");
  CHECK(bearerFromHeader("bearer   xyz ") == "xyz");
  CHECK(bearerFromHeader("Basic dXNlcjpwdw==").empty());
  CHECK(bearerFromHeader("").empty());
}
