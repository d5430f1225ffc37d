#include "fleetlink/common/metrics.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace fleetlink::metrics {
namespace {

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labelText(const Labels& labels, const std::string& extra_key = {}, const std::string& extra_val = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += extra_key + "=\"" + extra_val + "\"";
  }
  return out + "}";
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

double Histogram::quantile(double q) const {
  const auto total = count();
  if (total == 0) return 0;
  const double target = q * static_cast<double>(total);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    seen += bucketCount(i);
    if (static_cast<double>(seen) >= target) return i < bounds_.size() ? bounds_[i] : INFINITY;
  }
  return INFINITY;
}

std::vector<double> latencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::family(const std::string& name, Kind kind, const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.kind = kind;
    it->second.help = help;
  } else if (it->second.kind != kind) {
    throw std::logic_error("metric " + name + " registered with two kinds");
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::Counter, help).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::Gauge, help).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                               std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, Kind::Histogram, help).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

std::uint64_t Registry::counterTotal(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  std::uint64_t total = 0;
  for (const auto& [labels, c] : it->second.counters) total += c->value();
  return total;
}

std::string Registry::renderPrometheus() const {
  std::lock_guard lock(mu_);
  std::ostringstream os;
  for (const auto& [name, f] : families_) {
    os << "# HELP " << name << ' ' << f.help << '\n';
    switch (f.kind) {
      case Kind::Counter:
        os << "# TYPE " << name << " counter\n";
        for (const auto& [l, c] : f.counters) os << name << labelText(l) << ' ' << c->value() << '\n';
        break;
      case Kind::Gauge:
        os << "# TYPE " << name << " gauge\n";
        for (const auto& [l, g] : f.gauges) os << name << labelText(l) << ' ' << num(g->value()) << '\n';
        break;
      case Kind::Histogram:
        os << "# TYPE " << name << " histogram\n";
        for (const auto& [l, h] : f.histograms) {
          std::uint64_t cumulative = 0;
          for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
            cumulative += h->bucketCount(i);
            const std::string le = i < h->bounds().size() ? num(h->bounds()[i]) : "+Inf";
            os << name << "_bucket" << labelText(l, "le", le) << ' ' << cumulative << '\n';
          }
          os << name << "_sum" << labelText(l) << ' ' << num(h->sum()) << '\n';
          os << name << "_count" << labelText(l) << ' ' << h->count() << '\n';
        }
        break;
    }
  }
  return os.str();
}

Registry& global() {
  static Registry r;
  return r;
}

}  // namespace fleetlink::metrics
