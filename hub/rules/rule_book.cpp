#include "hub/rules/rule_book.hpp"

#include <sstream>

#include <toml++/toml.h>

namespace fleetlink::hub::rules {
namespace {
nlohmann::json tomlJson(const toml::node& n) {
  std::ostringstream os;
  if (n.is_table()) os << toml::json_formatter{*n.as_table()};
  else return nlohmann::json::object();
  return nlohmann::json::parse(os.str(), nullptr, false);
}
}  // namespace

Expected<RuleBook> RuleBook::fromConfig(const config::Config& cfg) {
  RuleBook book;
  if (const toml::node* d = cfg.table("rules.defaults")) {
    if (auto st = applyToml(book.defaults_, *d, "rules.defaults"); !st) return st.error();
  }
  if (const toml::node* f = cfg.table("fleets"); f && f->is_table()) {
    for (auto&& [k, v] : *f->as_table()) {
      auto j = tomlJson(v);
      FleetRules check = book.defaults_;
      if (auto st = applyJson(check, j, "fleets." + std::string(k.str())); !st) return st.error();
      book.configured_[std::string(k.str())] = std::move(j);
    }
  }
  return book;
}

RuleBook::Entry RuleBook::make(const std::string& fleet) const {
  auto r = std::make_shared<FleetRules>(defaults_);
  if (auto it = configured_.find(fleet); it != configured_.end()) (void)applyJson(*r, it->second, "fleets." + fleet);
  if (auto it = overrides_.find(fleet); it != overrides_.end()) (void)applyJson(*r, it->second, "rules");
  return Entry{std::move(r), 0};
}

const RuleBook::Entry& RuleBook::get(const std::string& fleet) {
  auto it = cache_.find(fleet);
  if (it == cache_.end()) {
    Entry e = make(fleet);
    e.version = next_version_++;
    it = cache_.emplace(fleet, std::move(e)).first;
  }
  return it->second;
}

Expected<RuleBook::Entry> RuleBook::set(const std::string& fleet, const nlohmann::json& changes) {
  FleetRules probe = *get(fleet).rules;
  if (auto st = applyJson(probe, changes, "rules"); !st) return st.error();
  auto& ov = overrides_[fleet];
  if (!ov.is_object()) ov = nlohmann::json::object();
  for (auto it = changes.begin(); it != changes.end(); ++it) ov[it.key()] = it.value();
  Entry e{std::make_shared<FleetRules>(std::move(probe)), next_version_++};
  cache_[fleet] = e;
  return e;
}

nlohmann::json RuleBook::overrides(const std::string& fleet) const {
  auto it = overrides_.find(fleet);
  return it == overrides_.end() ? nlohmann::json::object() : it->second;
}

Status RuleBook::restore(const std::string& fleet, const nlohmann::json& ov) {
  FleetRules probe = *make(fleet).rules;
  if (auto st = applyJson(probe, ov, "stored rules of fleet " + fleet); !st) return st.error();
  overrides_[fleet] = ov;
  cache_.erase(fleet);
  return okStatus();
}

std::vector<std::string> RuleBook::configuredFleets() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : configured_) out.push_back(k);
  return out;
}

}  // namespace fleetlink::hub::rules
