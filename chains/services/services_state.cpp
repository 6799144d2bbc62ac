#include "chains/services/services_state.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/codec/field_reader.hpp"
#include "chains/core/big_endian.hpp"
#include "chains/core/hex.hpp"
#include "chains/services/fee_expr.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/services_codec.hpp"

namespace bfd::services {

namespace {

// Record prefixes (docs/formats.md section 17).
constexpr byte p_service = 'S', p_version = 'V', p_uuid = 'U';
constexpr codec::limits service_limits{16'384, 512, 4};
constexpr codec::limits small_limits{2'048, 32, 3};

bytes service_key(std::uint64_t id) {
  bytes k{p_service};
  put_be64(k, id);
  return k;
}
bytes version_key(std::uint64_t id, std::uint32_t number) {
  bytes k{p_version};
  put_be64(k, id);
  put_be(k, number, 4);
  return k;
}
bytes uuid_key(const fixed_bytes<16>& uuid) {
  bytes k{p_uuid};
  k.insert(k.end(), uuid.begin(), uuid.end());
  return k;
}
byte_view view(const bytes& b) {
  return byte_view{b.data(), b.size()};
}
void text(codec::writer& w, std::string_view s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

// --- record encodings ---------------------------------------------------------------------------

bytes enc_service(const service& s) {
  bytes out;
  codec::writer w(out);
  w.array(13);
  w.bin(s.uuid);
  text(w, s.symbol);
  w.bin(s.owner);
  w.bin(s.dapp);
  w.uint(s.home);
  w.array(static_cast<std::uint32_t>(s.deployments.size()));
  for (auto c : s.deployments)
    w.uint(c);
  w.uint(static_cast<std::uint8_t>(s.status));
  w.uint(s.registered_at);
  w.uint(s.status_height);
  w.uint(s.versions);
  w.array(static_cast<std::uint32_t>(s.schedule.size()));
  for (const auto& e : s.schedule) {
    w.array(3);
    w.uint(e.chain);
    w.uint(e.height);
    w.uint(e.version);
  }
  if (!s.rollout) {
    w.array(0);
  } else {
    const auto& r = *s.rollout;
    w.array(13);
    for (auto v : {std::uint64_t{r.version}, std::uint64_t{r.previous}, std::uint64_t{r.canary}, r.canary_height,
                   r.window, r.gate.min_calls, r.gate.max_failed_permille, r.gate.max_missed_blocks,
                   r.gate.max_latency_ms, r.promote_delay, std::uint64_t{static_cast<std::uint8_t>(r.phase)},
                   r.decided_at})
      w.uint(v);
    text(w, r.reason);
  }
  w.array(static_cast<std::uint32_t>(s.health.size()));
  for (const auto& h : s.health) {
    w.array(3);
    w.bin(h.reporter);
    w.uint(h.height);
    codec::encode_payload(h.report, w);
  }
  return out;
}

result<service> read_service(const msgpack::object& obj) {
  auto items = codec::reader(obj, "service").array(13);
  if (!items)
    return items.error();
  codec::field_reader f(*items);
  service s;
  s.uuid = f.fixed<16>(0, "uuid");
  s.symbol = f.text(1, "symbol", max_symbol);
  s.owner = f.fixed<20>(2, "owner");
  s.dapp = f.fixed<20>(3, "dapp");
  s.home = static_cast<std::uint32_t>(f.uint(4, "home", UINT32_MAX));
  std::uint32_t nd = 0, ns = 0, nr = 0, nh = 0;
  const auto* deps = f.array_up_to(5, "deployments", max_deployments, nd);
  s.status = static_cast<service_status>(f.uint(6, "status", service_status_count - 1));
  s.registered_at = f.uint(7, "registered_at");
  s.status_height = f.uint(8, "status_height");
  s.versions = static_cast<std::uint32_t>(f.uint(9, "versions", max_versions));
  const auto* sched = f.array_up_to(10, "schedule", max_schedule, ns);
  const auto* ro = f.array_up_to(11, "rollout", 13, nr);
  const auto* health = f.array_up_to(12, "health", health_kept, nh);
  if (!f.ok())
    return f.err();
  codec::field_reader d(deps);
  for (std::uint32_t i = 0; i < nd; ++i)
    s.deployments.push_back(static_cast<std::uint32_t>(d.uint(i, "deployment", UINT32_MAX)));
  for (std::uint32_t i = 0; i < ns && d.ok(); ++i) {
    auto e = codec::reader(sched[i], "schedule entry").array(3);
    if (!e)
      return e.error();
    codec::field_reader g(*e);
    schedule_entry x{static_cast<std::uint32_t>(g.uint(0, "chain", UINT32_MAX)), g.uint(1, "height"),
                     static_cast<std::uint32_t>(g.uint(2, "version", max_versions))};
    if (!g.ok())
      return g.err();
    s.schedule.push_back(x);
  }
  if (nr != 0) {
    if (nr != 13)
      return make_error(errc::malformed, "rollout: 0 or 13 items");
    codec::field_reader g(ro);
    rollout r;
    r.version = static_cast<std::uint32_t>(g.uint(0, "version", max_versions));
    r.previous = static_cast<std::uint32_t>(g.uint(1, "previous", max_versions));
    r.canary = static_cast<std::uint32_t>(g.uint(2, "canary", UINT32_MAX));
    r.canary_height = g.uint(3, "canary_height");
    r.window = g.uint(4, "window");
    r.gate.min_calls = g.uint(5, "min_calls");
    r.gate.max_failed_permille = g.uint(6, "max_failed_permille", max_permille);
    r.gate.max_missed_blocks = g.uint(7, "max_missed_blocks");
    r.gate.max_latency_ms = g.uint(8, "max_latency_ms");
    r.promote_delay = g.uint(9, "promote_delay");
    r.phase = static_cast<rollout_phase>(g.uint(10, "phase", 2));
    r.decided_at = g.uint(11, "decided_at");
    r.reason = g.text(12, "reason", max_reason);
    if (!g.ok())
      return g.err();
    s.rollout = std::move(r);
  }
  for (std::uint32_t i = 0; i < nh && d.ok(); ++i) {
    auto e = codec::reader(health[i], "health report").array(3);
    if (!e)
      return e.error();
    codec::field_reader g(*e);
    health_report h;
    h.reporter = g.fixed<20>(0, "reporter");
    h.height = g.uint(1, "height");
    if (!g.ok())
      return g.err();
    auto r = codec::read_payload((*e)[2], std::type_identity<service_health_tx>{});
    if (!r)
      return r.error();
    h.report = *r;
    s.health.push_back(h);
  }
  if (!d.ok())
    return d.err();
  return s;
}

bytes enc_version(const version_info& v) {
  bytes out;
  codec::writer w(out);
  w.array(5);
  w.uint(v.number);
  codec::write_instances(v.instances, w);
  w.uint(v.template_id);
  codec::write_commission(v.commission, w);
  w.uint(v.registered_at);
  return out;
}

result<version_info> read_version(const msgpack::object& obj) {
  auto items = codec::reader(obj, "version").array(5);
  if (!items)
    return items.error();
  codec::field_reader f(*items);
  version_info v;
  v.number = static_cast<std::uint32_t>(f.uint(0, "number", max_versions));
  v.template_id = f.uint(2, "template");
  v.registered_at = f.uint(4, "registered_at");
  if (!f.ok())
    return f.err();
  auto inst = codec::read_instances((*items)[1]);
  if (!inst)
    return inst.error();
  v.instances = std::move(*inst);
  auto c = codec::read_commission((*items)[3]);
  if (!c)
    return c.error();
  v.commission = std::move(*c);
  return v;
}

bytes enc_id(std::uint64_t id) {
  bytes out;
  codec::writer w(out);
  w.array(1);
  w.uint(id);
  return out;
}

template <class T, class Read, class Enc>
result<T> dec(byte_view in, const codec::limits& lim, Read read, Enc enc) {
  return codec::decode_canonical<T>(in, lim, read, [&](const T& v, bytes& out) { out = enc(v); });
}
result<service> dec_service(byte_view in) {
  return dec<service>(in, service_limits, read_service, enc_service);
}
result<version_info> dec_version(byte_view in) {
  return dec<version_info>(in, small_limits, read_version, enc_version);
}
result<std::uint64_t> dec_id(byte_view in) {
  return dec<std::uint64_t>(
    in, small_limits,
    [](const msgpack::object& obj) -> result<std::uint64_t> {
      auto items = codec::reader(obj, "service id").array(1);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      auto id = f.uint(0, "service id");
      if (!f.ok())
        return f.err();
      return id;
    },
    enc_id);
}

error corrupt(const std::string& what) {
  return make_error(errc::storage_corrupt, "service registry record: " + what);
}

#define BFD_TRY(expr)            \
  do {                           \
    if (auto st_ = (expr); !st_) \
      return st_;                \
  } while (0)

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// One instance per deployment, none elsewhere, no chain twice.
status check_instances(const std::vector<std::uint32_t>& deployments, const std::vector<instance>& instances) {
  if (instances.size() != deployments.size())
    return make_error(errc::bad_service, fmt::format("{} instances for {} deployments: exactly one contract per "
                                                     "deployment chain",
                                                     instances.size(), deployments.size()));
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (std::find(deployments.begin(), deployments.end(), instances[i].chain) == deployments.end())
      return make_error(errc::bad_service, fmt::format("an instance on chain {}, which is not a deployment",
                                                       instances[i].chain));
    for (std::size_t j = 0; j < i; ++j)
      if (instances[j].chain == instances[i].chain)
        return make_error(errc::bad_service, fmt::format("two instances on chain {}", instances[i].chain));
  }
  return {};
}

// Instances in deployment order (the stored form).
std::vector<instance> in_deployment_order(const std::vector<std::uint32_t>& deployments, std::vector<instance> list) {
  std::vector<instance> out;
  for (auto c : deployments)
    for (const auto& i : list)
      if (i.chain == c)
        out.push_back(i);
  return out;
}

status need_permission(const env& e, const address& who, const acl::scope& s, acl::permission p) {
  if (!e.access)
    return make_error(errc::access_denied, "this chain has no access module: the service registry needs one to "
                                           "say who may register and upgrade");
  return e.access->check(who, s, p);
}

} // namespace

// --- small pieces -------------------------------------------------------------------------------

std::string_view to_string(rollout_phase p) noexcept {
  switch (p) {
    case rollout_phase::canary: return "canary";
    case rollout_phase::promoted: return "promoted";
    case rollout_phase::rolled_back: return "rolled_back";
  }
  return "unknown";
}

std::optional<address> version_info::instance_on(std::uint32_t chain) const {
  for (const auto& i : instances)
    if (i.chain == chain)
      return i.contract;
  return std::nullopt;
}

bool service::deployed_on(std::uint32_t chain) const {
  return std::find(deployments.begin(), deployments.end(), chain) != deployments.end();
}

std::optional<std::uint32_t> service::version_at(std::uint32_t chain, std::uint64_t height) const {
  std::optional<std::uint32_t> out;
  for (const auto& e : schedule)
    if (e.chain == chain && e.height <= height)
      out = e.version;
  return out;
}

void schedule_switch(service& s, std::uint32_t chain, std::uint64_t height, std::uint32_t version) {
  std::erase_if(s.schedule, [&](const schedule_entry& e) { return e.chain == chain && e.height >= height; });
  const schedule_entry x{chain, height, version};
  auto at = std::find_if(s.schedule.begin(), s.schedule.end(), [&](const schedule_entry& e) {
    return e.chain > chain || (e.chain == chain && e.height > height);
  });
  s.schedule.insert(at, x);
}

std::optional<gate_decision> decide(const rollout& ro, const service_health_tx& r, std::uint64_t height) {
  if (ro.phase != rollout_phase::canary || r.version != ro.version || r.chain != ro.canary
      || height < ro.canary_height)
    return std::nullopt;
  const auto& g = ro.gate;
  // 128-bit products: no overflow for any u64 counts.
  using u128 = unsigned __int128;
  if (r.calls >= g.min_calls && r.calls > 0
      && u128{r.failed_calls} * 1000 > u128{g.max_failed_permille} * r.calls)
    return gate_decision{rollout_phase::rolled_back,
                         fmt::format("health gate failed: {}/{} calls failed ({} permille > {})", r.failed_calls,
                                     r.calls, static_cast<std::uint64_t>(u128{r.failed_calls} * 1000 / r.calls),
                                     g.max_failed_permille)};
  if (r.missed_blocks > g.max_missed_blocks)
    return gate_decision{rollout_phase::rolled_back, fmt::format("health gate failed: {} missed blocks > {}",
                                                                 r.missed_blocks, g.max_missed_blocks)};
  if (r.latency_p99_ms > g.max_latency_ms)
    return gate_decision{rollout_phase::rolled_back, fmt::format("health gate failed: p99 latency {} ms > {} ms",
                                                                 r.latency_p99_ms, g.max_latency_ms)};
  if (height >= ro.canary_height + ro.window && r.calls >= g.min_calls)
    return gate_decision{rollout_phase::promoted,
                         fmt::format("health gate passed: {}/{} calls failed, {} missed blocks, p99 {} ms over "
                                     "a window of {} blocks",
                                     r.failed_calls, r.calls, r.missed_blocks, r.latency_p99_ms, ro.window)};
  return std::nullopt;
}

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_symbol)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

status check_commission(const commission& c) {
  switch (c.kind) {
    case commission_kind::percent:
      if (c.value > max_basis_points)
        return make_error(errc::bad_service, fmt::format("a percent commission is 0-10000 basis points, not {}",
                                                         c.value));
      return {};
    case commission_kind::fixed: return {};
    case commission_kind::expression:
      if (c.text.empty() || c.text.size() > max_expression || !printable(c.text))
        return make_error(errc::bad_service, "a fee expression is 1-256 bytes of printable ASCII");
      if (auto parsed = parse_fee_expression(c.text); !parsed)
        return make_error(errc::fee_function_refused, "the fee expression does not parse: " + parsed.error().detail);
      return {};
    case commission_kind::wasm:
      if (c.text.empty() || c.text.size() > max_export || !printable(c.text))
        return make_error(errc::bad_service, "a wasm fee function's export name is 1-32 printable ASCII bytes");
      return {};
  }
  return make_error(errc::bad_service, "unknown commission kind");
}

// --- restore and reads --------------------------------------------------------------------------

result<services_state> services_state::restore(std::span<const std::pair<bytes, bytes>> records) {
  services_state s;
  std::uint64_t uuids = 0, services = 0;
  for (const auto& [k, v] : records) {
    if (k.empty())
      return corrupt("an empty key");
    const auto in = view(v);
    if (k[0] == p_service && k.size() == 9) {
      auto svc = dec_service(in);
      if (!svc)
        return corrupt("service " + std::to_string(get_be64(k.data() + 1)) + ": " + svc.error().message());
      // Ids are 1, 2, ... without gaps, so in key order each is one more than the last.
      if (get_be64(k.data() + 1) != ++services)
        return corrupt("service ids out of sequence");
    } else if (k[0] == p_version && k.size() == 13) {
      auto ver = dec_version(in);
      if (!ver || ver->number != get_be(k.data() + 9, 4))
        return corrupt("a version does not decode or disagrees with its key");
    } else if (k[0] == p_uuid && k.size() == 17) {
      auto id = dec_id(in);
      if (!id)
        return corrupt("a uuid index does not decode");
      ++uuids;
    } else {
      return corrupt("an unknown key 0x" + to_hex(view(k)).substr(0, 32));
    }
    s.records_.load(k, v);
  }
  if (uuids != services)
    return corrupt("the uuid index and the services disagree");
  for (std::uint64_t id = 1; id <= services; ++id) {
    const auto svc = s.find(id);
    if (!svc || s.find_by_uuid(svc->uuid) != svc)
      return corrupt("service " + std::to_string(id) + " is not indexed by its uuid");
    for (std::uint32_t n = 1; n <= svc->versions; ++n)
      if (!s.find_version(id, n))
        return corrupt(fmt::format("service {} lacks version {}", id, n));
  }
  return s;
}

std::uint64_t services_state::count() const {
  const auto& recs = records_.records();
  auto it = recs.lower_bound(bytes{static_cast<byte>(p_service + 1)});
  if (it == recs.begin())
    return 0;
  --it;
  return it->first.size() == 9 && it->first[0] == p_service ? get_be64(it->first.data() + 1) : 0;
}

std::optional<service> services_state::find(std::uint64_t id) const {
  const auto* v = records_.find(service_key(id));
  if (!v)
    return std::nullopt;
  auto s = dec_service(view(*v));
  if (!s)
    return std::nullopt;
  s->id = id;
  return std::move(*s);
}

std::optional<service> services_state::find_by_uuid(const fixed_bytes<16>& uuid) const {
  const auto* v = records_.find(uuid_key(uuid));
  if (!v)
    return std::nullopt;
  auto id = dec_id(view(*v));
  return id ? find(*id) : std::nullopt;
}

std::optional<version_info> services_state::find_version(std::uint64_t id, std::uint32_t number) const {
  const auto* v = records_.find(version_key(id, number));
  if (!v)
    return std::nullopt;
  auto ver = dec_version(view(*v));
  return ver ? std::optional<version_info>(std::move(*ver)) : std::nullopt;
}

std::vector<service> services_state::list(std::uint64_t from, std::uint32_t limit) const {
  std::vector<service> out;
  limit = std::min(limit, max_page);
  const auto n = count();
  for (std::uint64_t id = std::max<std::uint64_t>(from, 1); id <= n && out.size() < limit; ++id)
    if (auto s = find(id))
      out.push_back(std::move(*s));
  return out;
}

std::optional<std::uint32_t> services_state::live_version(std::uint64_t id, std::uint32_t chain,
                                                          std::uint64_t height) const {
  auto s = find(id);
  return s ? s->version_at(chain, height) : std::nullopt;
}

std::optional<rollout> services_state::rollout_of(std::uint64_t id) const {
  auto s = find(id);
  return s ? s->rollout : std::nullopt;
}

std::vector<health_report> services_state::health_of(std::uint64_t id) const {
  auto s = find(id);
  return s ? s->health : std::vector<health_report>{};
}

std::optional<hash256> services_state::root() const {
  if (records_.empty())
    return std::nullopt;
  return records_.root();
}

// --- shared rule steps --------------------------------------------------------------------------

status services_state::existing(std::uint64_t id, service& out) const {
  auto s = find(id);
  if (!s)
    return make_error(errc::unknown_service, fmt::format("no service {}", id));
  out = std::move(*s);
  return {};
}

status services_state::may_change(const address& sender, const service& s, const env& e) const {
  if (sender == s.owner)
    return {};
  // upgrade_service on the service's scope (access_state::check also accepts it on global).
  auto st = need_permission(e, sender, acl::scope{acl::scope_kind::service, s.id}, acl::permission::upgrade_service);
  if (!st)
    return make_error(errc::access_denied, fmt::format("{} is not the owner of service {} and {}",
                                                       format_address(sender), s.id, st.error().detail));
  return {};
}

void services_state::put_service(const service& s) {
  records_.put(service_key(s.id), enc_service(s));
}

void services_state::put_version(std::uint64_t id, const version_info& v) {
  records_.put(version_key(id, v.number), enc_version(v));
}

// --- kinds --------------------------------------------------------------------------------------

status services_state::check(const address& sender, const service_register_tx& p, const env& e) const {
  BFD_TRY(need_permission(e, sender, acl::scope::global(), acl::permission::register_service));
  if (p.uuid == fixed_bytes<16>{})
    return make_error(errc::bad_service, "a service uuid is 16 bytes, not all zero");
  if (!valid_symbol(p.symbol))
    return make_error(errc::bad_service, "a service symbol is 1-12 characters of A-Z and 0-9");
  if (p.deployments.empty() || p.deployments.size() > max_deployments)
    return make_error(errc::bad_service, "a service runs on 1 to 16 deployment chains");
  for (std::size_t i = 0; i < p.deployments.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (p.deployments[i] == p.deployments[j])
        return make_error(errc::bad_service, fmt::format("deployment chain {} named twice", p.deployments[i]));
  BFD_TRY(check_instances(p.deployments, p.instances));
  BFD_TRY(check_commission(p.commission));
  if (records_.find(uuid_key(p.uuid)))
    return make_error(errc::service_exists, "a service with uuid " + to_hex(p.uuid.view()) + " is registered");
  if (count() >= max_services)
    return make_error(errc::service_limit, fmt::format("the registry holds {} services, the most it may",
                                                       max_services));
  return {};
}

status services_state::check(const address& sender, const service_upgrade_tx& p, const env& e) const {
  service s;
  BFD_TRY(existing(p.service, s));
  BFD_TRY(may_change(sender, s, e));
  if (s.status != service_status::active)
    return make_error(errc::service_not_active, fmt::format("service {} is {}", s.id, to_string(s.status)));
  if (s.rollout && s.rollout->phase == rollout_phase::canary)
    return make_error(errc::rollout_in_progress,
                      fmt::format("version {} is still in its canary phase on chain {}: wait for the health gate or "
                                  "roll it back",
                                  s.rollout->version, s.rollout->canary));
  if (!s.deployed_on(p.canary))
    return make_error(errc::not_deployed, fmt::format("canary chain {} is not a deployment of service {}", p.canary,
                                                      s.id));
  BFD_TRY(check_instances(s.deployments, p.instances));
  BFD_TRY(check_commission(p.commission));
  if (p.delay < 1 || p.delay > max_blocks || p.window < 1 || p.window > max_blocks || p.promote_delay > max_blocks)
    return make_error(errc::bad_service, "delay and window are 1 to 1,000,000 blocks, promote_delay 0 to 1,000,000");
  if (p.max_failed_permille > max_permille)
    return make_error(errc::bad_service, "max_failed_permille is 0 to 1000");
  if (s.versions >= max_versions)
    return make_error(errc::service_limit, fmt::format("service {} has {} versions, the most it may", s.id,
                                                       max_versions));
  // Room for the canary's switch, a promotion and a rollback of every deployment.
  if (s.schedule.size() + 2 * s.deployments.size() > max_schedule)
    return make_error(errc::service_limit, fmt::format("service {}'s schedule holds {} entries: a rollout needs {} "
                                                       "more and the most is {}",
                                                       s.id, s.schedule.size(), 2 * s.deployments.size(),
                                                       max_schedule));
  return {};
}

status services_state::check(const address& sender, const service_health_tx& p, const env& e) const {
  service s;
  BFD_TRY(existing(p.service, s));
  BFD_TRY(need_permission(e, sender, acl::scope{acl::scope_kind::service, s.id}, acl::permission::upgrade_service));
  if (s.status == service_status::retired)
    return make_error(errc::service_not_active, fmt::format("service {} is retired", s.id));
  if (!s.deployed_on(p.chain))
    return make_error(errc::not_deployed, fmt::format("chain {} is not a deployment of service {}", p.chain, s.id));
  if (p.version < 1 || p.version > s.versions)
    return make_error(errc::unknown_version, fmt::format("service {} has versions 1 to {}", s.id, s.versions));
  if (p.from_height > p.to_height)
    return make_error(errc::bad_service, "from_height is above to_height");
  if (p.failed_calls > p.calls)
    return make_error(errc::bad_service, "more failed calls than calls");
  return {};
}

status services_state::check(const address& sender, const service_rollback_tx& p, const env& e) const {
  service s;
  BFD_TRY(existing(p.service, s));
  BFD_TRY(may_change(sender, s, e));
  if (p.reason.empty() || p.reason.size() > max_reason || !printable(p.reason))
    return make_error(errc::bad_service, "a rollback reason is 1-200 bytes of printable ASCII");
  if (s.status == service_status::retired)
    return make_error(errc::service_not_active, fmt::format("service {} is retired", s.id));
  if (!s.rollout || s.rollout->phase == rollout_phase::rolled_back)
    return make_error(errc::no_rollout, fmt::format("service {} has no rollout in phase canary or promoted", s.id));
  return {};
}

status services_state::check(const address& sender, const service_set_status_tx& p, const env& e) const {
  service s;
  BFD_TRY(existing(p.service, s));
  BFD_TRY(may_change(sender, s, e));
  if (p.status > service_status::retired)
    return make_error(errc::bad_service, "unknown status");
  if (s.status == service_status::retired)
    return make_error(errc::bad_status_change, fmt::format("service {} is retired, which is final", s.id));
  if (s.status == p.status)
    return make_error(errc::bad_status_change, fmt::format("service {} is {} already", s.id, to_string(s.status)));
  return {};
}

status services_state::apply(const address& sender, const service_register_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  service s;
  s.id = count() + 1;
  s.uuid = p.uuid;
  s.symbol = p.symbol;
  s.owner = sender;
  s.dapp = p.dapp;
  s.home = p.home;
  s.deployments = p.deployments;
  s.registered_at = e.height;
  s.status_height = e.height;
  s.versions = 1;
  for (auto c : p.deployments)
    schedule_switch(s, c, e.height, 1);
  put_version(s.id, version_info{1, in_deployment_order(p.deployments, p.instances), p.template_id, p.commission,
                                 e.height});
  put_service(s);
  records_.put(uuid_key(p.uuid), enc_id(s.id));
  return {};
}

status services_state::apply(const address& sender, const service_upgrade_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  service s = *find(p.service);
  const std::uint32_t next = s.versions + 1;
  const std::uint64_t at = e.height + p.delay;
  rollout r;
  r.version = next;
  // What the canary would run until the switch: the rollback target.
  r.previous = s.version_at(p.canary, at - 1).value_or(s.versions);
  r.canary = p.canary;
  r.canary_height = at;
  r.window = p.window;
  r.gate = health_gate{p.min_calls, p.max_failed_permille, p.max_missed_blocks, p.max_latency_ms};
  r.promote_delay = p.promote_delay;
  r.phase = rollout_phase::canary;
  s.rollout = std::move(r);
  s.versions = next;
  schedule_switch(s, p.canary, at, next);
  put_version(s.id, version_info{next, in_deployment_order(s.deployments, p.instances), p.template_id, p.commission,
                                 e.height});
  put_service(s);
  return {};
}

status services_state::apply(const address& sender, const service_health_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  service s = *find(p.service);
  if (s.health.size() >= health_kept)
    s.health.erase(s.health.begin(), s.health.begin() + static_cast<std::ptrdiff_t>(s.health.size() - health_kept + 1));
  s.health.push_back(health_report{sender, e.height, p});
  if (s.rollout) {
    auto& r = *s.rollout;
    if (auto d = decide(r, p, e.height)) {
      if (d->phase == rollout_phase::rolled_back) {
        schedule_switch(s, r.canary, e.height + 1, r.previous);
      } else {
        const auto at = e.height + std::max<std::uint64_t>(r.promote_delay, 1);
        for (auto c : s.deployments)
          if (c != r.canary)
            schedule_switch(s, c, at, r.version);
      }
      r.phase = d->phase;
      r.decided_at = e.height;
      r.reason = std::move(d->reason);
    }
  }
  put_service(s);
  return {};
}

status services_state::apply(const address& sender, const service_rollback_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  service s = *find(p.service);
  auto& r = *s.rollout;
  for (auto c : s.deployments) {
    bool on_it = s.version_at(c, e.height) == r.version;
    for (const auto& x : s.schedule)
      on_it = on_it || (x.chain == c && x.height > e.height && x.version == r.version);
    if (on_it)
      schedule_switch(s, c, e.height + 1, r.previous);
  }
  r.phase = rollout_phase::rolled_back;
  r.decided_at = e.height;
  r.reason = p.reason;
  put_service(s);
  return {};
}

status services_state::apply(const address& sender, const service_set_status_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  service s = *find(p.service);
  s.status = p.status;
  s.status_height = e.height;
  put_service(s);
  return {};
}

} // namespace bfd::services
