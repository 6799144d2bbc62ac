#include "chains/contracts/contract_module.hpp"
#include "chains/core/big_endian.hpp"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/contracts/contract_commission.hpp"
#include "chains/contracts/contract_records.hpp"
#include "chains/services/fee_wasm.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/hash.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ledger/ledger.hpp"

namespace bfd {

using namespace contract;
using namespace contract::records;

namespace contract {

bool template_info::has_init() const {
  return declares("init");
}

bool template_info::declares(std::string_view entry) const {
  return std::find(body.entry_points.begin(), body.entry_points.end(), entry) != body.entry_points.end();
}

address contract_address(const address& deployer, std::uint64_t nonce) {
  bytes in(deployer.begin(), deployer.end());
  put_be64(in, nonce);
  const auto h = tagged_hash(hash_tag::contract_address, byte_view{in.data(), in.size()});
  address a;
  std::copy(h.begin(), h.begin() + 20, a.begin());
  return a;
}

hash256 template_id(const contract_publish_tx& p) {
  const auto b = encode_publish(p);
  return tagged_hash(hash_tag::contract_template, byte_view{b.data(), b.size()});
}

acl::scope deploy_scope(chain_id chain) {
  if (chain == mainchain_id)
    return acl::scope::global();
  return acl::scope{acl::scope_kind::sidechain, chain};
}

} // namespace contract

// Loaded templates and modules by template id. Shared by every copy of a chain's state, so a
// module loads once per node; bounded, oldest first out. Caching changes no result.
struct contracts_module::module_cache {
  struct entry {
    std::shared_ptr<const template_info> info;
    std::shared_ptr<const contracts::wasm_module> code;
  };
  std::mutex mutex;
  std::map<hash256, entry> entries;
  std::deque<hash256> order;

  void put(const hash256& id, entry e) {
    std::lock_guard lock(mutex);
    if (entries.count(id))
      return;
    if (entries.size() >= module_cache_entries) {
      entries.erase(order.front());
      order.pop_front();
    }
    entries.emplace(id, std::move(e));
    order.push_back(id);
  }
  std::optional<entry> get(const hash256& id) {
    std::lock_guard lock(mutex);
    auto it = entries.find(id);
    if (it == entries.end())
      return std::nullopt;
    return it->second;
  }
};

namespace {

error corrupt(const std::string& what) {
  return make_error(errc::storage_corrupt, "contracts module: " + what);
}

std::string clip(std::string s) {
  if (s.size() > 1000)
    s.resize(1000);
  return s;
}

std::vector<contracts::wasm_value> to_wasm(const std::vector<call_arg>& args) {
  std::vector<contracts::wasm_value> out;
  for (const auto& a : args)
    out.push_back(a.is_i64 ? contracts::wasm_value{contracts::wasm_value::type::i64, a.bits}
                           : contracts::wasm_value{contracts::wasm_value::type::i32, a.bits & 0xffffffffu});
  return out;
}

std::vector<call_arg> from_wasm(const std::vector<contracts::wasm_value>& vs) {
  std::vector<call_arg> out;
  for (const auto& v : vs)
    out.push_back({v.kind == contracts::wasm_value::type::i64, v.bits});
  return out;
}

std::size_t param_size(param_type t) {
  switch (t) {
    case param_type::u64:
    case param_type::i64:
    case param_type::amount: return 8;
    case param_type::address: return 20;
    case param_type::bytes: return 0;
  }
  return 0;
}

// A parameter's state key: "p." ++ name.
bytes param_key(const std::string& name) {
  bytes k{'p', '.'};
  k.insert(k.end(), name.begin(), name.end());
  return k;
}

address address_in(const bytes& key, std::size_t at) {
  address a;
  std::copy(key.begin() + static_cast<std::ptrdiff_t>(at), key.begin() + static_cast<std::ptrdiff_t>(at + 20), a.begin());
  return a;
}

void hash_lv(tagged_hasher& h, byte_view k, byte_view v) {
  const byte klen[2] = {static_cast<byte>(k.size() >> 8), static_cast<byte>(k.size())};
  h.update(byte_view{klen, 2});
  h.update(k);
  const byte vlen[4] = {static_cast<byte>(v.size() >> 24), static_cast<byte>(v.size() >> 16),
                        static_cast<byte>(v.size() >> 8), static_cast<byte>(v.size())};
  h.update(byte_view{vlen, 4});
  h.update(v);
}

byte_view view(const bytes& b) {
  return byte_view{b.data(), b.size()};
}

} // namespace

contracts_module::contracts_module() : cache_(std::make_shared<module_cache>()) {}

// --- queries -------------------------------------------------------------------------------

std::optional<bytes> contracts_module::record(const bytes& key) const {
  auto it = records_.find(key);
  if (it == records_.end())
    return std::nullopt;
  return it->second;
}

std::optional<template_info> contracts_module::find_template(const hash256& id) const {
  // The cache is shared with other states of the chain (forks): the record decides.
  auto raw = record(template_key(id));
  if (!raw)
    return std::nullopt;
  if (auto e = cache_->get(id))
    return *e->info;
  auto body = decode_publish(view(*raw));
  if (!body)
    return std::nullopt;  // restore checked every template record
  return template_info{id, std::move(*body)};
}

std::vector<hash256> contracts_module::template_ids(const std::optional<hash256>& after, std::size_t limit) const {
  std::vector<hash256> out;
  auto it = after ? records_.upper_bound(template_key(*after)) : records_.lower_bound(bytes{template_prefix});
  for (; it != records_.end() && out.size() < limit && !it->first.empty() && it->first[0] == template_prefix; ++it) {
    hash256 id;
    std::copy(it->first.begin() + 1, it->first.end(), id.begin());
    out.push_back(id);
  }
  return out;
}

std::optional<instance> contracts_module::find_contract(const address& a) const {
  auto raw = record(contract_key(a));
  if (!raw)
    return std::nullopt;
  auto c = decode_instance(view(*raw));
  if (!c)
    return std::nullopt;
  return *c;
}

hash256 contracts_module::state_root(const address& a) const {
  if (auto it = state_roots_.find(a); it != state_roots_.end())
    return it->second;
  tagged_hasher h(hash_tag::contract_state);
  if (auto it = kv_.find(a); it != kv_.end())
    for (const auto& [k, v] : it->second)
      hash_lv(h, view(k), view(v));
  const auto r = h.finish();
  state_roots_[a] = r;
  return r;
}

std::size_t contracts_module::state_size(const address& a) const {
  auto it = kv_.find(a);
  return it == kv_.end() ? 0 : it->second.size();
}

std::vector<std::pair<bytes, std::size_t>> contracts_module::state_keys(const address& a,
                                                                        const std::optional<bytes>& after,
                                                                        std::size_t limit) const {
  std::vector<std::pair<bytes, std::size_t>> out;
  auto kv = kv_.find(a);
  if (kv == kv_.end())
    return out;
  const auto& m = kv->second;
  for (auto it = after ? m.upper_bound(*after) : m.begin(); it != m.end() && out.size() < limit; ++it)
    out.emplace_back(it->first, it->second.size());
  return out;
}

std::optional<bytes> contracts_module::state_value(const address& a, const bytes& key) const {
  auto kv = kv_.find(a);
  if (kv == kv_.end())
    return std::nullopt;
  auto it = kv->second.find(key);
  if (it == kv->second.end())
    return std::nullopt;
  return it->second;
}

status contracts_module::check_state_read(const address& a, const address& caller,
                                          const acl::access_state* access) const {
  auto c = find_contract(a);
  if (!c)
    return make_error(errc::not_found, "no contract " + format_address(a));
  if (std::find(c->readers.begin(), c->readers.end(), caller) != c->readers.end())
    return {};
  if (c->scope_kind == no_scope)
    return make_error(errc::access_denied, fmt::format("{} is not a reader of contract {} (its state is readable by "
                                                       "the {} readers named at deploy only)",
                                                       format_address(caller), format_address(a), c->readers.size()));
  const acl::scope s{static_cast<acl::scope_kind>(c->scope_kind), c->scope_id};
  if (!access)
    return make_error(errc::access_denied, fmt::format("{} is not a reader of contract {}, and the chain has no access "
                                                       "module to check read on its scope",
                                                       format_address(caller), format_address(a)));
  auto st = access->check_read(caller, s);
  if (!st)
    return make_error(errc::access_denied, fmt::format("{} is not a reader of contract {}: {}", format_address(caller),
                                                       format_address(a), st.error().detail));
  return {};
}

std::vector<event> contracts_module::events(const address& a, std::uint64_t from, std::size_t limit) const {
  std::vector<event> out;
  const auto end = event_key(a, UINT64_MAX);
  for (auto it = records_.lower_bound(event_key(a, from)); it != records_.end() && it->first <= end && out.size() < limit;
       ++it)
    out.push_back({get_be64(it->first.data() + 21), it->second});
  return out;
}

std::optional<receipt> contracts_module::find_receipt(const hash256& tx) const {
  auto seq = record(index_key(tx));
  if (!seq || seq->size() != 8)
    return std::nullopt;
  auto raw = record(receipt_key(get_be64(seq->data())));
  if (!raw)
    return std::nullopt;
  auto r = decode_receipt(view(*raw));
  if (!r)
    return std::nullopt;
  return *r;
}

std::shared_ptr<const contracts::wasm_module> contracts_module::loaded(const template_info& t) const {
  if (auto e = cache_->get(t.id))
    return e->code;
  auto m = contracts::wasm_module::load(view(t.body.code));
  if (!m)
    return nullptr;
  auto code = std::make_shared<const contracts::wasm_module>(std::move(*m));
  cache_->put(t.id, {std::make_shared<const template_info>(t), code});
  return code;
}

// --- rules ---------------------------------------------------------------------------------

status contracts_module::access_check(const transaction& tx, const block_context& ctx) const {
  if (!ctx.state)
    return {};
  const auto* acl_state = find_access(*ctx.state);
  if (!acl_state)
    return {};  // a chain without access control: publishing and deploying are open
  return acl_state->check(address_of(tx.sender), deploy_scope(ctx.chain), acl::permission::deploy);
}

status contracts_module::check_publish(const contract_publish_tx& p, const transaction& tx,
                                       const block_context& ctx) const {
  if (!valid_name(p.template_name))
    return make_error(errc::template_refused, "a template name is 1 to 64 characters of a-z A-Z 0-9 _ - .");
  if (p.version == 0)
    return make_error(errc::template_refused, "versions start at 1");
  for (std::size_t i = 0; i < p.param_names.size(); ++i) {
    if (!valid_name(p.param_names[i]) || p.param_names[i].size() > 62)
      return make_error(errc::template_refused, "parameter names are 1 to 62 characters of a-z A-Z 0-9 _ - .");
    if (std::count(p.param_names.begin(), p.param_names.end(), p.param_names[i]) > 1)
      return make_error(errc::template_refused, "parameter '" + p.param_names[i] + "' is named twice");
  }
  if (p.entry_points.empty())
    return make_error(errc::template_refused, "a template declares at least one entry point");
  if (!p.slot.empty() && !valid_name(p.slot))
    return make_error(errc::template_refused, "a slot name is 1 to 64 characters of a-z A-Z 0-9 _ - .");
  if (records_.count(name_key(p.template_name, p.version)))
    return make_error(errc::template_exists,
                      fmt::format("template {} version {} is already published", p.template_name, p.version));
  if (templates_ >= max_templates)
    return make_error(errc::contract_limit, fmt::format("this chain holds {} templates, the most it keeps", max_templates));
  const amount needed = (p.code.size() + fuel_per_unit - 1) / fuel_per_unit;
  if (tx.fee < needed)
    return make_error(errc::fuel_fee, fmt::format("publishing {} bytes of code needs a fee of at least {} units (1 per {} bytes)",
                                                  p.code.size(), needed, fuel_per_unit));
  if (auto st = access_check(tx, ctx); !st)
    return st;
  const auto id = template_id(p);
  if (cache_->get(id))
    return {};
  auto m = contracts::wasm_module::load(view(p.code));
  if (!m)
    return make_error(errc::template_refused, "the code does not load: " + clip(m.error().message()));
  const auto exports = m->exported_functions();
  for (const auto& e : p.entry_points) {
    if (!valid_name(e))
      return make_error(errc::template_refused, "entry point names are 1 to 64 characters of a-z A-Z 0-9 _ - .");
    if (std::count(p.entry_points.begin(), p.entry_points.end(), e) > 1)
      return make_error(errc::template_refused, "entry point '" + e + "' is named twice");
    if (!std::binary_search(exports.begin(), exports.end(), e))
      return make_error(errc::template_refused, "entry point '" + e + "' is not an exported function of the code");
  }
  // Loaded once here; apply and later calls find it in the cache.
  cache_->put(id, {std::make_shared<const template_info>(template_info{id, p}),
                   std::make_shared<const contracts::wasm_module>(std::move(*m))});
  return {};
}

status contracts_module::check_deploy(const contract_deploy_tx& p, const transaction& tx,
                                      const block_context& ctx) const {
  const auto t = find_template(p.template_id);
  if (!t)
    return make_error(errc::unknown_template, "no template " + to_hex(p.template_id) + " on this chain");
  if (const auto& users = t->body.users;
      !users.empty() && std::find(users.begin(), users.end(), address_of(tx.sender)) == users.end())
    return make_error(errc::template_not_permitted,
                      fmt::format("template {} v{} may be deployed only by the {} address{} its publisher named",
                                  t->body.template_name, t->body.version, users.size(), users.size() == 1 ? "" : "es"));
  const auto& types = t->body.param_types;
  if (p.params.size() != types.size())
    return make_error(errc::bad_parameters, fmt::format("template {} v{} takes {} parameters, {} given",
                                                        t->body.template_name, t->body.version, types.size(),
                                                        p.params.size()));
  for (std::size_t i = 0; i < types.size(); ++i) {
    const auto want = param_size(types[i]);
    if (want != 0 && p.params[i].size() != want)
      return make_error(errc::bad_parameters, fmt::format("parameter '{}' is a {}: {} bytes, not {}",
                                                          t->body.param_names[i], to_string(types[i]), want,
                                                          p.params[i].size()));
  }
  for (std::size_t i = 0; i < p.readers.size(); ++i)
    if (std::count(p.readers.begin(), p.readers.end(), p.readers[i]) > 1)
      return make_error(errc::bad_parameters, "a reader is named twice");
  if (p.scope_kind == static_cast<std::uint8_t>(acl::scope_kind::global) && p.scope_id != 0)
    return make_error(errc::bad_parameters, "the global scope has no id (scope id 0)");
  if (t->has_init()) {
    if (p.fuel == 0)
      return make_error(errc::fuel_fee, "the template has an init entry point: give it fuel");
    if (tx.fee < fuel_fee(p.fuel))
      return make_error(errc::fuel_fee, fmt::format("fuel {} needs a fee of at least {} units (1 per {} fuel)", p.fuel,
                                                    fuel_fee(p.fuel), fuel_per_unit));
  } else if (p.fuel != 0 || !p.init_args.empty() || !p.init_input.empty()) {
    return make_error(errc::bad_entry_point, "the template declares no init entry point: no init arguments or fuel");
  }
  const auto self = contract_address(address_of(tx.sender), tx.nonce);
  if (records_.count(contract_key(self)))
    return make_error(errc::already_exists, "a contract already lives at " + format_address(self));
  if (contracts_ >= max_contracts)
    return make_error(errc::contract_limit, "this chain holds as many contracts as it keeps");
  return access_check(tx, ctx);
}

result<std::pair<instance, template_info>> contracts_module::find_with_template(const address& a,
                                                                             const char* what) const {
  auto c = find_contract(a);
  if (!c)
    return make_error(errc::unknown_contract, fmt::format("no {} at {}", what, format_address(a)));
  auto t = find_template(c->template_id);
  if (!t)
    return make_error(errc::unknown_template, fmt::format("the {}'s template is missing", what));
  return std::pair{std::move(*c), std::move(*t)};
}

result<std::optional<contracts_module::billing>> contracts_module::billing_for(const instance& c,
                                                                              const template_info& t,
                                                                              const contract_call_tx& p,
                                                                              const block_context& ctx) const {
  const auto declares = [&](std::string_view name, param_type type) {
    for (std::size_t i = 0; i < t.body.param_names.size(); ++i)
      if (t.body.param_names[i] == name && t.body.param_types[i] == type)
        return true;
    return false;
  };
  if (!declares(commission_param, param_type::bytes) || !declares(commission_to_param, param_type::address))
    return std::optional<billing>{};
  const auto param = [&](std::string_view name) { return state_value(p.contract, param_key(std::string(name))); };
  if (declares(billable_param, param_type::bytes)) {
    const auto billable = param(billable_param);
    if (billable && std::string(billable->begin(), billable->end()) != p.entry)
      return std::optional<billing>{};
  }
  const auto unpaid = [](const std::string& why) { return make_error(errc::commission_unpaid, why); };
  const auto text = param(commission_param);
  const auto to = param(commission_to_param);
  if (!text || !to || to->size() != 20)
    return unpaid("the service instance's commission parameters are missing from its state");
  auto model = parse_commission(std::string(text->begin(), text->end()));
  if (!model)
    return unpaid("the service instance's commission does not parse: " + model.error().detail);
  amount price = 0;
  if (declares(price_param, param_type::amount))
    if (const auto v = param(price_param); v && v->size() == 8)
      for (int i = 7; i >= 0; --i)
        price = (price << 8) | (*v)[static_cast<std::size_t>(i)];
  if (p.value < price)
    return unpaid(fmt::format("a call of '{}' must carry at least {} units (the service's price), it carries {}",
                              p.entry, price, p.value));
  result<amount> fee = amount{0};
  if (const auto* w = std::get_if<commission_model::wasm>(&model->model)) {
    if (w->chain != ctx.chain)
      return unpaid(fmt::format("the commission's fee function is on chain {}, not this chain {}", w->chain, ctx.chain));
    const auto found = find_with_template(w->contract, "fee function contract");
    if (!found)
      return unpaid(found.error().detail);
    const auto code = loaded(found->second);
    if (!code)
      return unpaid("the fee function's module does not load");
    fee = services::evaluate_wasm_fee(*code, w->export_name, services::fee_inputs{p.value, ctx.height, c.calls, 1});
  } else {
    fee = evaluate_commission(*model, p.value, ctx.height, c.calls);
  }
  if (!fee)
    return unpaid(fmt::format("the commission cannot be computed: {}: {}", to_string(fee.error().code), fee.error().detail));
  if (*fee > p.value)
    return unpaid(fmt::format("a call of '{}' carries {} units, less than its commission of {}", p.entry, p.value, *fee));
  billing b;
  b.commission = *fee;
  std::copy(to->begin(), to->end(), b.to.begin());
  return std::optional<billing>{b};
}

status contracts_module::check_call(const contract_call_tx& p, const transaction& tx, const block_context& ctx) const {
  const auto found = find_with_template(p.contract, "contract");
  if (!found)
    return found.error();
  const auto& t = found->second;
  if (p.entry == "init" || !t.declares(p.entry))
    return make_error(errc::bad_entry_point, fmt::format("template {} v{} has no callable entry point '{}'",
                                                         t.body.template_name, t.body.version, p.entry));
  if (p.fuel == 0)
    return make_error(errc::fuel_fee, "a call needs fuel");
  if (tx.fee < fuel_fee(p.fuel))
    return make_error(errc::fuel_fee, fmt::format("fuel {} needs a fee of at least {} units (1 per {} fuel)", p.fuel,
                                                  fuel_fee(p.fuel), fuel_per_unit));
  if (auto b = billing_for(found->first, t, p, ctx); !b)
    return b.error();
  return {};
}

status contracts_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)l;
  if (const auto* p = std::get_if<contract_publish_tx>(&tx.payload))
    return check_publish(*p, tx, ctx);
  if (const auto* p = std::get_if<contract_deploy_tx>(&tx.payload))
    return check_deploy(*p, tx, ctx);
  if (const auto* p = std::get_if<contract_call_tx>(&tx.payload))
    return check_call(*p, tx, ctx);
  if (const auto* p = std::get_if<contract_set_slot_tx>(&tx.payload))
    return check_set_slot(*p, tx, ctx);
  return make_error(errc::kind_not_enabled, "not a contracts transaction");
}

status contracts_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  if (const auto* p = std::get_if<contract_publish_tx>(&tx.payload)) {
    const auto id = template_id(*p);
    set_record(template_key(id), encode_publish(*p));
    bytes idb(id.begin(), id.end());
    set_record(name_key(p->template_name, p->version), std::move(idb));
    return {};
  }
  if (const auto* p = std::get_if<contract_deploy_tx>(&tx.payload))
    return apply_deploy(*p, tx, ctx, l);
  if (const auto* p = std::get_if<contract_call_tx>(&tx.payload))
    return apply_call(*p, tx, ctx, l);
  if (const auto* p = std::get_if<contract_set_slot_tx>(&tx.payload))
    return apply_set_slot(*p, tx, ctx);
  return make_error(errc::kind_not_enabled, "not a contracts transaction");
}

status contracts_module::apply_deploy(const contract_deploy_tx& p, const transaction& tx, const block_context& ctx,
                                      ledger& l) {
  const auto t = find_template(p.template_id);
  if (!t)
    return make_error(errc::unknown_template, "no template " + to_hex(p.template_id));
  const auto sender = address_of(tx.sender);
  const auto self = contract_address(sender, tx.nonce);
  receipt r;
  r.tx = signing_hash(tx);
  r.kind = static_cast<std::uint8_t>(contract_deploy_tx::kind_number);
  r.contract = self;
  r.height = ctx.height;
  r.fee = tx.fee;
  const auto mark = checkpoint();
  const auto ledger_mark = l.checkpoint();
  instance c;
  c.template_id = p.template_id;
  c.deployer = sender;
  c.created_height = ctx.height;
  c.readers = p.readers;
  c.scope_kind = p.scope_kind;
  c.scope_id = p.scope_id;
  put_instance(self, c);
  for (std::size_t i = 0; i < p.params.size(); ++i)
    set_kv(self, param_key(t->body.param_names[i]), p.params[i]);
  if (auto st = l.unlock(self, p.value); !st)
    return st;
  r.ok = true;
  if (t->has_init()) {
    if (auto st = run(*t, self, "init", p.init_args, p.init_input, p.fuel, tx, ctx, l, r); !st)
      return st;
    if (!r.ok) {
      // A failed init deploys nothing: the value goes back, the fee for the fuel used stays.
      rollback(mark);
      l.rollback(ledger_mark);
      if (auto st = l.unlock(sender, p.value); !st)
        return st;
    }
  }
  put_receipt(r);
  return {};
}

status contracts_module::apply_call(const contract_call_tx& p, const transaction& tx, const block_context& ctx,
                                    ledger& l) {
  const auto c = find_contract(p.contract);
  const auto t = c ? find_template(c->template_id) : std::nullopt;
  if (!t)
    return make_error(errc::unknown_contract, "no contract at " + format_address(p.contract));
  const auto sender = address_of(tx.sender);
  receipt r;
  r.tx = signing_hash(tx);
  r.kind = static_cast<std::uint8_t>(contract_call_tx::kind_number);
  r.contract = p.contract;
  r.height = ctx.height;
  r.fee = tx.fee;
  const auto mark = checkpoint();
  const auto ledger_mark = l.checkpoint();
  if (auto st = l.unlock(p.contract, p.value); !st)
    return st;
  // A service instance's commission leaves the call's value for the owner before the code runs,
  // so the contract can never spend it; a failed call returns it with the rest of the value.
  auto bill = billing_for(*c, *t, p, ctx);
  if (!bill) {
    r.ok = false;
    r.error = clip(fmt::format("{}: {}", to_string(bill.error().code), bill.error().detail));
  } else {
    if (*bill && (*bill)->commission > 0)
      if (auto st = l.move(p.contract, (*bill)->to, (*bill)->commission); !st)
        return st;
    if (auto st = run(*t, p.contract, p.entry, p.args, p.input, p.fuel, tx, ctx, l, r); !st)
      return st;
  }
  if (!r.ok) {
    // A failed call changes nothing but the fee: the value goes back to the sender.
    rollback(mark);
    l.rollback(ledger_mark);
    if (auto st = l.unlock(sender, p.value); !st)
      return st;
  }
  put_receipt(r);
  return {};
}

status contracts_module::run(const template_info& t, const address& self, const std::string& entry,
                             const std::vector<call_arg>& args, const bytes& input, std::uint64_t fuel,
                             const transaction& tx, const block_context& ctx, ledger& l, receipt& r) {
  const auto sender = address_of(tx.sender);
  const auto code = loaded(t);
  if (!code)
    return make_error(errc::template_refused, "the template's code no longer loads");  // a node bug: refuse the block
  const auto c = find_contract(self);
  if (!c)
    return make_error(errc::unknown_contract, "no contract at " + format_address(self));
  auto slot = bind_slot(*c, l);
  if (!slot)
    return slot.error();
  static const contracts::contract_state empty;
  auto kv = kv_.find(self);
  contracts::call_context cc;
  cc.caller = sender;
  cc.self = self;
  cc.height = ctx.height;
  cc.balance = l.get(self).balance;
  cc.input = input;
  cc.state = kv == kv_.end() ? &empty : &kv->second;
  cc.slot = *slot ? &(*slot)->binding : nullptr;
  auto out = code->call(entry, to_wasm(args), cc, fuel);
  // The fee pays for the whole fuel limit (checked at admission), used or not: a block's fee
  // total is the sum of its transactions' declared fees, which the rewards split.
  r.fee = tx.fee;
  r.fuel_used = out ? out->fuel_used : out.error().fuel_used;
  if (!out) {
    r.ok = false;
    r.error = clip(out.error().message());
    return {};
  }
  // The state bound, for the contract and its slot's client, before applying anything.
  const address* client = *slot ? &(*slot)->binding.self : nullptr;
  for (const address* a : {&self, client}) {
    if (!a)
      continue;
    const auto keys = keys_after(*a, a == &self ? out->writes : out->slot.writes);
    if (keys > max_state_keys) {
      r.ok = false;
      r.error = fmt::format("contract_limit: the {}state would hold {} keys, at most {}",
                            a == &self ? "" : "slot client's ", keys, max_state_keys);
      return {};
    }
  }
  if (auto st = apply_effects(self, out->writes, out->transfers, out->events, 1, l); !st)
    return st;
  if (out->slot.calls > 0)
    if (auto st = apply_effects((*slot)->binding.self, out->slot.writes, out->slot.transfers, out->slot.events,
                                out->slot.calls, l);
        !st)
      return st;
  r.ok = true;
  r.results = from_wasm(out->results);
  r.events = static_cast<std::uint32_t>(out->events.size());
  return {};
}

std::size_t contracts_module::keys_after(const address& a, const contracts::state_writes& writes) const {
  const auto kv = kv_.find(a);
  std::size_t keys = state_size(a);
  for (const auto& [k, v] : writes) {
    const bool had = kv != kv_.end() && kv->second.count(k) != 0;
    keys += (v && !had) ? 1 : 0;
    keys -= (!v && had) ? 1 : 0;
  }
  return keys;
}

status contracts_module::apply_effects(const address& a, const contracts::state_writes& writes,
                                       const std::vector<contracts::transfer_effect>& transfers,
                                       const std::vector<bytes>& events, std::uint64_t calls, ledger& l) {
  for (const auto& [k, v] : writes)
    set_kv(a, k, v);
  for (const auto& tr : transfers)
    if (auto st = l.move(a, tr.to, tr.amount); !st)
      return st;  // the engine bounds transfers by the balance: cannot happen
  auto c = find_contract(a);
  if (!c)
    return make_error(errc::unknown_contract, "the contract vanished during its call");
  for (const auto& e : events) {
    const auto seq = c->next_event++;
    set_record(event_key(a, seq), e);
    if (seq >= events_kept)
      set_record(event_key(a, seq - events_kept), std::nullopt);
  }
  c->calls += calls;
  put_instance(a, *c);
  return {};
}

// --- records, journal, root ----------------------------------------------------------------

void contracts_module::count(const bytes& key, bool had, bool has) {
  std::size_t* n = key[0] == template_prefix ? &templates_ : key[0] == contract_prefix ? &contracts_ : nullptr;
  if (n && had != has)
    *n = has ? *n + 1 : *n - 1;
}

void contracts_module::set_record(bytes key, std::optional<bytes> value) {
  auto it = records_.find(key);
  std::optional<bytes> old = it == records_.end() ? std::nullopt : std::optional<bytes>(it->second);
  if (!value && !old)
    return;
  count(key, old.has_value(), value.has_value());
  if (key[0] == contract_prefix || key[0] == event_prefix)
    state_roots_.erase(address_in(key, 1));
  if (value)
    records_[key] = std::move(*value);
  else
    records_.erase(it);
  dirty_.insert(key);
  journal_.push_back(undo{false, address{}, std::move(key), std::move(old)});
  root_.reset();
}

void contracts_module::set_kv(const address& a, const bytes& key, std::optional<bytes> value) {
  auto& m = kv_[a];
  auto it = m.find(key);
  std::optional<bytes> old = it == m.end() ? std::nullopt : std::optional<bytes>(it->second);
  if (value)
    m[key] = std::move(*value);
  else if (it != m.end())
    m.erase(it);
  if (m.empty())
    kv_.erase(a);
  state_roots_.erase(a);
  dirty_.insert(state_key(a, key));
  journal_.push_back(undo{true, a, key, std::move(old)});
  root_.reset();
}

void contracts_module::put_instance(const address& a, const instance& c) {
  set_record(contract_key(a), encode_instance(c));
}

void contracts_module::put_receipt(const receipt& r) {
  const auto next = record(next_key());
  const std::uint64_t seq = next && next->size() == 8 ? get_be64(next->data()) : 0;
  set_record(receipt_key(seq), encode_receipt(r));
  set_record(index_key(r.tx), [&] {
    bytes b;
    put_be64(b, seq);
    return b;
  }());
  if (seq >= receipts_kept) {
    const auto old_key = receipt_key(seq - receipts_kept);
    if (auto old = record(old_key))
      if (auto o = decode_receipt(view(*old)))
        set_record(index_key(o->tx), std::nullopt);
    set_record(old_key, std::nullopt);
  }
  bytes n;
  put_be64(n, seq + 1);
  set_record(next_key(), std::move(n));
}

void contracts_module::rollback(std::size_t mark) {
  while (journal_.size() > mark) {
    auto& u = journal_.back();
    if (u.kv) {
      auto& m = kv_[u.contract];
      if (u.old)
        m[u.key] = *u.old;
      else
        m.erase(u.key);
      if (m.empty())
        kv_.erase(u.contract);
      state_roots_.erase(u.contract);
      dirty_.insert(state_key(u.contract, u.key));
    } else {
      count(u.key, records_.count(u.key) != 0, u.old.has_value());
      if (u.key[0] == contract_prefix || u.key[0] == event_prefix)
        state_roots_.erase(address_in(u.key, 1));
      if (u.old)
        records_[u.key] = *u.old;
      else
        records_.erase(u.key);
      dirty_.insert(u.key);
    }
    journal_.pop_back();
  }
  root_.reset();
}

void contracts_module::forget_undo(std::size_t count) {
  journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
}

std::vector<module_record> contracts_module::dirty_records() const {
  std::vector<module_record> out;
  auto current = [&](const bytes& k) -> std::optional<bytes> {
    if (k[0] == state_prefix) {
      auto c = kv_.find(address_in(k, 1));
      if (c == kv_.end())
        return std::nullopt;
      auto it = c->second.find(bytes(k.begin() + 21, k.end()));
      return it == c->second.end() ? std::nullopt : std::optional<bytes>(it->second);
    }
    return record(k);
  };
  if (all_dirty_) {
    for (const auto& [k, v] : records_)
      out.emplace_back(k, v);
    for (const auto& [a, m] : kv_)
      for (const auto& [k, v] : m)
        out.emplace_back(state_key(a, k), v);
    for (const auto& k : dirty_)
      if (!current(k))
        out.emplace_back(k, std::nullopt);
    return out;
  }
  for (const auto& k : dirty_)
    out.emplace_back(k, current(k));
  return out;
}

void contracts_module::clear_dirty() {
  all_dirty_ = false;
  dirty_.clear();
}

// The root: per contract, a digest of its instance record, its state root and its kept events
// (cached until that contract changes); then templates by id, names, contracts by digest,
// receipts and their index, in key order.
std::optional<hash256> contracts_module::root() const {
  if (records_.empty() && kv_.empty())
    return std::nullopt;
  if (root_)
    return *root_;
  tagged_hasher h(hash_tag::contracts);
  for (const auto& [k, v] : records_) {
    switch (k[0]) {
      case template_prefix: h.update(view(k)); break;  // the id commits to the bytes
      case event_prefix: break;                         // in the contract's digest
      case contract_prefix: {
        const auto a = address_in(k, 1);
        tagged_hasher d(hash_tag::contracts);
        d.update(view(v));
        d.update(state_root(a));
        for (const auto& e : events(a, 0, events_kept)) {
          bytes seq;
          put_be64(seq, e.sequence);
          hash_lv(d, view(seq), view(e.data));
        }
        const auto digest = d.finish();
        hash_lv(h, view(k), digest);
        break;
      }
      default: hash_lv(h, view(k), view(v));
    }
  }
  root_ = h.finish();
  return root_;
}

status contracts_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto m = from_records(records);
  if (!m)
    return m.error();
  auto cache = cache_;
  *this = std::move(**m);
  cache_ = std::move(cache);
  return {};
}

result<std::unique_ptr<contracts_module>> contracts_module::from_records(
  std::span<const std::pair<bytes, bytes>> records) {
  auto m = std::make_unique<contracts_module>();
  for (const auto& [k, v] : records) {
    if (k.empty())
      return corrupt("an empty key");
    const byte_view value = view(v);
    switch (k[0]) {
      case template_prefix: {
        if (k.size() != 33)
          return corrupt("a template key of the wrong size");
        auto p = decode_publish(value);
        if (!p)
          return corrupt("template: " + p.error().message());
        hash256 id;
        std::copy(k.begin() + 1, k.end(), id.begin());
        if (template_id(*p) != id)
          return corrupt("a template whose bytes do not hash to its id");
        ++m->templates_;
        break;
      }
      case name_prefix:
        if (k.size() < 7 || v.size() != 32)
          return corrupt("a template name record of the wrong size");
        break;
      case contract_prefix: {
        if (k.size() != 21)
          return corrupt("a contract key of the wrong size");
        auto c = decode_instance(value);
        if (!c)
          return corrupt("contract: " + c.error().message());
        ++m->contracts_;
        break;
      }
      case state_prefix:
        if (k.size() < 21 || k.size() > 21 + 64 || v.size() > 4096)
          return corrupt("a contract state record of the wrong size");
        m->kv_[address_in(k, 1)][bytes(k.begin() + 21, k.end())] = v;
        continue;
      case event_prefix:
        if (k.size() != 29 || v.size() > 1024)
          return corrupt("an event record of the wrong size");
        break;
      case receipt_prefix: {
        if (k.size() != 9)
          return corrupt("a receipt key of the wrong size");
        auto r = decode_receipt(value);
        if (!r)
          return corrupt("receipt: " + r.error().message());
        break;
      }
      case index_prefix:
      case next_prefix:
        if ((k[0] == index_prefix ? k.size() != 33 : k.size() != 1) || v.size() != 8)
          return corrupt("a receipt index record of the wrong size");
        break;
      default: return corrupt("an unknown key");
    }
    m->records_[k] = v;
  }
  // Every contract's template exists; every state belongs to a contract.
  for (const auto& [k, v] : m->records_)
    if (k[0] == contract_prefix) {
      auto c = decode_instance(view(v));
      if (!m->records_.count(template_key(c->template_id)))
        return corrupt("a contract of a missing template");
    }
  for (const auto& [a, kv] : m->kv_)
    if (!m->records_.count(contract_key(a)))
      return corrupt("state of a missing contract");
  return m;
}

const contracts_module* find_contracts(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::contracts);
  return m ? static_cast<const contracts_module*>(m) : nullptr;
}

} // namespace bfd
