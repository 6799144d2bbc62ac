#include "chains/dsmeta/dsmeta_state.hpp"
#include "chains/core/big_endian.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "chains/codec/canonical.hpp"
#include "chains/codec/field_reader.hpp"
#include "chains/core/hex.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/peg/peg_ledger.hpp"

namespace bfd::ds {

namespace {

// Record prefixes (docs/formats.md section 18).
constexpr byte p_genesis = 'G', p_summary = 'S', p_org = 'O', p_terms = 'T', p_adopted = 'A', p_issue = 'I',
               p_member = 'M', p_rate = 'X', p_usage = 'U', p_request = 'Q';
constexpr codec::limits record_limits{512, 8, 1};

bytes key1(byte prefix) {
  return bytes{prefix};
}
bytes indexed(byte prefix, std::uint64_t i) {
  bytes k{prefix};
  put_be64(k, i);
  return k;
}
bytes member_record_key(const address& a) {
  bytes k{p_member};
  k.insert(k.end(), a.begin(), a.end());
  return k;
}
bytes request_key(std::uint64_t service, const bytes& request) {
  bytes k = indexed(p_request, service);
  k.insert(k.end(), request.begin(), request.end());
  return k;
}
void text(codec::writer& w, std::string_view s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}
template <std::size_t N>
fixed_bytes<N> fixed_of(const byte* p) {
  fixed_bytes<N> out;
  std::copy(p, p + N, out.begin());
  return out;
}

// --- record encodings ------------------------------------------------------------------------

bytes enc_summary(const fund_summary& s) {
  bytes out;
  codec::writer w(out);
  w.array(7);
  w.uint(static_cast<std::uint8_t>(s.status));
  w.uint(s.status_height);
  w.uint(s.issued);
  w.uint(s.issuances);
  w.uint(s.rates);
  w.uint(s.usages);
  w.uint(s.members);
  return out;
}
bytes enc_org(const organisation& o) {
  bytes out;
  codec::writer w(out);
  w.array(5);
  text(w, o.name);
  text(w, o.uri);
  w.bin(o.owner);
  w.uint(o.group);
  w.uint(o.height);
  return out;
}
bytes enc_terms(const raise_terms& t) {
  bytes out;
  codec::writer w(out);
  w.array(8);
  w.uint(t.target);
  w.uint(t.min);
  w.uint(t.max);
  w.uint(t.deadline);
  text(w, t.symbol);
  w.uint(static_cast<std::uint8_t>(t.mode));
  w.uint(t.rate);
  w.uint(t.height);
  return out;
}
bytes enc_uints(std::initializer_list<std::uint64_t> vs) {
  bytes out;
  codec::writer w(out);
  w.array(static_cast<std::uint32_t>(vs.size()));
  for (auto v : vs)
    w.uint(v);
  return out;
}
bytes enc_issuance(const issuance& i) {
  return enc_uints({i.value, i.rate, i.height, i.op.source, i.op.sequence});
}
bytes enc_rate(const rate_entry& r) {
  return enc_uints({r.rate, r.height, static_cast<std::uint8_t>(r.source)});
}
bytes enc_member(const member& m) {
  bytes out;
  codec::writer w(out);
  w.array(3);
  w.bin(m.key);
  w.uint(m.level);
  w.uint(m.joined);
  return out;
}
bytes enc_usage(const usage_entry& u) {
  bytes out;
  codec::writer w(out);
  w.array(5);
  w.uint(u.service);
  w.bin(byte_view{u.request.data(), u.request.size()});
  w.uint(u.value);
  w.uint(u.height);
  w.bin(u.recorder);
  return out;
}

// Decodes a record of `n` fields with `read`, refusing non-canonical bytes (re-encoded by `enc`).
template <class T, class Read, class Enc>
result<T> dec(byte_view in, std::uint32_t n, const char* what, Read read, Enc enc) {
  return codec::decode_canonical<T>(
    in, record_limits,
    [&](const msgpack::object& obj) -> result<T> {
      auto items = codec::reader(obj, what).array(n);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      T v = read(f);
      if (!f.ok())
        return f.err();
      return v;
    },
    [&](const T& v, bytes& out) { out = enc(v); });
}

result<fund_summary> dec_summary(byte_view in) {
  return dec<fund_summary>(
    in, 7, "ds summary",
    [](codec::field_reader& f) {
      fund_summary s;
      s.status = static_cast<fund_status>(f.uint(0, "status", 2));
      s.status_height = f.uint(1, "status height");
      s.issued = f.uint(2, "issued");
      s.issuances = f.uint(3, "issuances", max_history);
      s.rates = f.uint(4, "rates", max_history);
      s.usages = f.uint(5, "usages", max_history);
      s.members = f.uint(6, "members", max_members);
      return s;
    },
    enc_summary);
}
result<organisation> dec_org(byte_view in) {
  return dec<organisation>(
    in, 5, "ds organisation",
    [](codec::field_reader& f) {
      organisation o;
      o.name = f.text(0, "name", max_name);
      o.uri = f.text(1, "uri", max_uri);
      o.owner = f.fixed<20>(2, "owner");
      o.group = f.uint(3, "group");
      o.height = f.uint(4, "height");
      return o;
    },
    enc_org);
}
result<raise_terms> dec_terms(byte_view in) {
  return dec<raise_terms>(
    in, 8, "ds terms",
    [](codec::field_reader& f) {
      raise_terms t;
      t.target = f.uint(0, "target");
      t.min = f.uint(1, "min");
      t.max = f.uint(2, "max");
      t.deadline = f.uint(3, "deadline");
      t.symbol = f.text(4, "symbol", max_symbol);
      t.mode = static_cast<rate_mode>(f.uint(5, "mode", rate_mode_count - 1));
      t.rate = f.uint(6, "rate");
      t.height = f.uint(7, "height");
      return t;
    },
    enc_terms);
}
result<issuance> dec_issuance(byte_view in) {
  return dec<issuance>(
    in, 5, "ds issuance",
    [](codec::field_reader& f) {
      issuance i;
      i.value = f.uint(0, "value");
      i.rate = f.uint(1, "rate");
      i.height = f.uint(2, "height");
      i.op.source = static_cast<std::uint32_t>(f.uint(3, "op source", UINT32_MAX));
      i.op.sequence = f.uint(4, "op sequence");
      return i;
    },
    enc_issuance);
}
result<rate_entry> dec_rate(byte_view in) {
  return dec<rate_entry>(
    in, 3, "ds rate",
    [](codec::field_reader& f) {
      rate_entry r;
      r.rate = f.uint(0, "rate");
      r.height = f.uint(1, "height");
      r.source = static_cast<rate_source>(f.uint(2, "source", 1));
      return r;
    },
    enc_rate);
}
result<member> dec_member(byte_view in) {
  return dec<member>(
    in, 3, "ds member",
    [](codec::field_reader& f) {
      member m;
      m.key = f.fixed<32>(0, "key");
      m.level = static_cast<std::uint8_t>(f.uint(1, "level", max_member_level));
      m.joined = f.uint(2, "joined");
      return m;
    },
    enc_member);
}
result<usage_entry> dec_usage(byte_view in) {
  return dec<usage_entry>(
    in, 5, "ds usage",
    [](codec::field_reader& f) {
      usage_entry u;
      u.service = f.uint(0, "service");
      u.request = f.bin(1, "request", max_request);
      u.value = f.uint(2, "value");
      u.height = f.uint(3, "height");
      u.recorder = f.fixed<20>(4, "recorder");
      return u;
    },
    enc_usage);
}
result<std::pair<std::uint64_t, std::uint64_t>> dec_pair(byte_view in, const char* what) {
  using P = std::pair<std::uint64_t, std::uint64_t>;
  return dec<P>(
    in, 2, what, [](codec::field_reader& f) { return P{f.uint(0, "first"), f.uint(1, "second")}; },
    [](const P& p) { return enc_uints({p.first, p.second}); });
}
result<std::uint64_t> dec_one(byte_view in, const char* what) {
  return dec<std::uint64_t>(
    in, 1, what, [what](codec::field_reader& f) { return f.uint(0, what); },
    [](std::uint64_t v) { return enc_uints({v}); });
}

byte_view view(const bytes& b) {
  return byte_view{b.data(), b.size()};
}

error corrupt(const std::string& what) {
  return make_error(errc::storage_corrupt, "ds metadata record: " + what);
}

std::string keys_text(const std::vector<bytes>& keys) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty())
      out += ", ";
    out += std::string(k.begin(), k.end());
  }
  return out;
}

} // namespace

// --- construction -----------------------------------------------------------------------------

dsmeta_state dsmeta_state::genesis(std::uint32_t chain) {
  dsmeta_state s;
  s.chain_ = chain;
  s.records_.load(key1(p_genesis), enc_uints({chain}));
  s.records_.load(key1(p_summary), enc_summary(fund_summary{}));
  s.records_.mark_all_dirty();
  return s;
}

result<dsmeta_state> dsmeta_state::restore(std::span<const std::pair<bytes, bytes>> records) {
  dsmeta_state s;
  std::uint64_t issuances = 0, rates = 0, usages = 0, members = 0, requests = 0;
  amount issued = 0;
  bool genesis = false, summary = false;
  for (const auto& [k, v] : records) {
    if (k.empty())
      return corrupt("an empty key");
    const auto in = view(v);
    const byte p = k[0];
    bool ok = true;
    std::string what;
    if (p == p_genesis && k.size() == 1) {
      auto c = dec_one(in, "chain");
      ok = c && *c <= UINT32_MAX;
      if (ok) {
        s.chain_ = static_cast<std::uint32_t>(*c);
        genesis = true;
      }
      what = "the chain";
    } else if (p == p_summary && k.size() == 1) {
      ok = static_cast<bool>(dec_summary(in));
      summary = ok;
      what = "the summary";
    } else if (p == p_org && k.size() == 1) {
      ok = static_cast<bool>(dec_org(in));
      what = "the organisation";
    } else if (p == p_terms && k.size() == 1) {
      auto t = dec_terms(in);
      ok = t && valid_symbol(t->symbol) && t->rate > 0;
      what = "the terms";
    } else if (p == p_adopted && k.size() == 1) {
      ok = static_cast<bool>(dec_pair(in, "adopted"));
      what = "the adopted operation";
    } else if (p == p_issue && k.size() == 9) {
      auto i = dec_issuance(in);
      ok = i && get_be64(k.data() + 1) == issuances && checked_add(issued, i->value).has_value();
      if (ok) {
        issued += i->value;
        ++issuances;
      }
      what = "an issuance (out of sequence?)";
    } else if (p == p_rate && k.size() == 9) {
      auto r = dec_rate(in);
      ok = r && r->rate > 0 && get_be64(k.data() + 1) == rates++;
      what = "a rate entry (out of sequence?)";
    } else if (p == p_usage && k.size() == 9) {
      auto u = dec_usage(in);
      ok = u && !u->request.empty() && get_be64(k.data() + 1) == usages++;
      what = "a usage entry (out of sequence?)";
    } else if (p == p_member && k.size() == 21) {
      ok = static_cast<bool>(dec_member(in));
      ++members;
      what = "a member";
    } else if (p == p_request && k.size() > 9 && k.size() <= 9 + max_request) {
      ok = static_cast<bool>(dec_one(in, "usage index"));
      ++requests;
      what = "a request index";
    } else {
      return corrupt("an unknown key 0x" + to_hex(view(k)).substr(0, 32));
    }
    if (!ok)
      return corrupt(what + " does not decode");
    s.records_.load(k, v);
  }
  if (!genesis || !summary)
    return corrupt("the 'G' or 'S' record is missing");
  const auto sum = s.summary();
  if (sum.issued != issued || sum.issuances != issuances || sum.rates != rates || sum.usages != usages
      || sum.members != members || requests != usages)
    return corrupt("the summary's totals disagree with the records");
  if (s.terms().has_value() != (rates > 0))
    return corrupt("a rate history without terms, or terms without one");
  return s;
}

// --- reads ------------------------------------------------------------------------------------

std::optional<organisation> dsmeta_state::org() const {
  auto it = records().find(key1(p_org));
  if (it == records().end())
    return std::nullopt;
  auto o = dec_org(view(it->second));
  return o ? std::optional<organisation>(std::move(*o)) : std::nullopt;
}

std::optional<raise_terms> dsmeta_state::terms() const {
  auto it = records().find(key1(p_terms));
  if (it == records().end())
    return std::nullopt;
  auto t = dec_terms(view(it->second));
  return t ? std::optional<raise_terms>(std::move(*t)) : std::nullopt;
}

fund_summary dsmeta_state::summary() const {
  auto it = records().find(key1(p_summary));
  if (it == records().end())
    return {};
  auto s = dec_summary(view(it->second));
  return s ? *s : fund_summary{};
}

std::optional<member> dsmeta_state::find_member(const address& a) const {
  auto it = records().find(member_record_key(a));
  if (it == records().end())
    return std::nullopt;
  auto m = dec_member(view(it->second));
  return m ? std::optional<member>(*m) : std::nullopt;
}

std::optional<amount> dsmeta_state::rate() const {
  const auto n = summary().rates;
  if (n == 0)
    return std::nullopt;
  auto it = records().find(indexed(p_rate, n - 1));
  if (it == records().end())
    return std::nullopt;
  auto r = dec_rate(view(it->second));
  return r ? std::optional<amount>(r->rate) : std::nullopt;
}

std::optional<op_ref> dsmeta_state::adopted() const {
  auto it = records().find(key1(p_adopted));
  if (it == records().end())
    return std::nullopt;
  auto p = dec_pair(view(it->second), "adopted");
  if (!p)
    return std::nullopt;
  return op_ref{static_cast<std::uint32_t>(p->first), p->second};
}

std::vector<std::pair<address, member>> dsmeta_state::members(const address& after, std::uint32_t limit) const {
  std::vector<std::pair<address, member>> out;
  limit = std::min(limit, max_page);
  auto it = records().upper_bound(member_record_key(after));
  if (after == address{})
    it = records().lower_bound(member_record_key(after));
  for (; it != records().end() && it->first[0] == p_member && out.size() < limit; ++it)
    if (auto m = dec_member(view(it->second)))
      out.emplace_back(fixed_of<20>(it->first.data() + 1), *m);
  return out;
}

namespace {
template <class T, class Dec>
std::vector<T> page(const std::map<bytes, bytes>& recs, byte prefix, std::uint64_t from, std::uint32_t limit, Dec d) {
  std::vector<T> out;
  limit = std::min(limit, max_page);
  for (auto it = recs.lower_bound(indexed(prefix, from)); it != recs.end() && it->first[0] == prefix && out.size() < limit;
       ++it)
    if (auto v = d(view(it->second)))
      out.push_back(*v);
  return out;
}
} // namespace

std::vector<rate_entry> dsmeta_state::rates(std::uint64_t from, std::uint32_t limit) const {
  return page<rate_entry>(records(), p_rate, from, limit, dec_rate);
}
std::vector<issuance> dsmeta_state::issuances(std::uint64_t from, std::uint32_t limit) const {
  return page<issuance>(records(), p_issue, from, limit, dec_issuance);
}
std::vector<usage_entry> dsmeta_state::usages(std::uint64_t from, std::uint32_t limit) const {
  return page<usage_entry>(records(), p_usage, from, limit, dec_usage);
}

// --- shared rule steps ------------------------------------------------------------------------

status dsmeta_state::authorise(const address& who, acl::permission p, const env& e, const acl::scope* extra) const {
  if (!e.access)
    return make_error(errc::access_denied, fmt::format("chain {} has no access module: DS metadata writes need one "
                                                       "to say who may write",
                                                       e.chain));
  return in_fund_scopes(e.chain, [&](const acl::scope& s) { return e.access->check(who, s, p); }, extra);
}

status dsmeta_state::check_member_read(const address& who, const acl::access_state* access) const {
  if (!access)
    return make_error(errc::access_denied, fmt::format("chain {} has no access module: its members are readable by "
                                                       "no one",
                                                       chain_));
  return in_fund_scopes(chain_, [&](const acl::scope& s) { return access->check_read(who, s); }, nullptr);
}

status dsmeta_state::in_fund_scopes(std::uint32_t chain, const std::function<status(const acl::scope&)>& decide,
                                    const acl::scope* extra) const {
  auto st = decide(acl::scope{acl::scope_kind::sidechain, chain});
  if (st)
    return st;
  if (auto o = org(); o && o->group != 0)
    if (decide(acl::scope{acl::scope_kind::fund_group, o->group}))
      return {};
  if (extra && decide(*extra))
    return {};
  return st;
}

status dsmeta_state::writable(const env& e) const {
  (void)e;
  const auto s = summary();
  if (s.status != fund_status::active)
    return make_error(errc::ds_not_active, fmt::format("the fund is {} since height {}", to_string(s.status),
                                                       s.status_height));
  return {};
}

status dsmeta_state::unlocked(const env& e, byte_view key) const {
  return e.locks ? e.locks->check_write(key) : status{};
}

namespace {
status need_org(const std::optional<organisation>& o) {
  if (!o)
    return make_error(errc::ds_no_org, "no organisation is registered on this fund chain (ds_register over the peg)");
  return {};
}
#define BFD_TRY(expr)         \
  do {                        \
    if (auto st_ = (expr); !st_) \
      return st_;             \
  } while (0)
} // namespace

// --- local kinds ------------------------------------------------------------------------------

status dsmeta_state::check(const public_key& sender, const ds_member_add_tx& p, const env& e) const {
  if (p.level > max_member_level)
    return make_error(errc::invalid_argument, "member levels are 0 to 3");
  BFD_TRY(need_org(org()));
  BFD_TRY(authorise(address_of(sender), acl::permission::write, e));
  BFD_TRY(writable(e));
  BFD_TRY(unlocked(e, view(member_key(p.account))));
  if (find_member(p.account))
    return make_error(errc::ds_member_exists, format_address(p.account) + " is a member already");
  if (address_of(p.key) != p.account)
    return make_error(errc::ds_bad_key, "key " + to_hex(p.key.view()).substr(0, 16) + "… is not the key of "
                                          + format_address(p.account));
  if (summary().members >= max_members)
    return make_error(errc::ds_limit, fmt::format("the fund has {} members, the most it may", max_members));
  return {};
}

status dsmeta_state::check(const public_key& sender, const ds_member_update_tx& p, const env& e) const {
  if (p.level > max_member_level)
    return make_error(errc::invalid_argument, "member levels are 0 to 3");
  BFD_TRY(need_org(org()));
  const auto m = find_member(p.account);
  if (!m)
    return make_error(errc::ds_unknown_member, format_address(p.account) + " is not a member");
  if (sender == m->key) {
    // The member itself: its own key, not its level.
    if (p.level != m->level)
      return make_error(errc::access_denied, "a member may rotate its own key, not change its level");
  } else {
    BFD_TRY(authorise(address_of(sender), acl::permission::write, e));
  }
  BFD_TRY(writable(e));
  BFD_TRY(unlocked(e, view(member_key(p.account))));
  if (p.key == m->key && p.level == m->level)
    return make_error(errc::ds_no_change, format_address(p.account) + " has this key and level already");
  return {};
}

status dsmeta_state::check(const public_key& sender, const ds_member_remove_tx& p, const env& e) const {
  BFD_TRY(need_org(org()));
  BFD_TRY(authorise(address_of(sender), acl::permission::write, e));
  BFD_TRY(writable(e));
  BFD_TRY(unlocked(e, view(member_key(p.account))));
  if (!find_member(p.account))
    return make_error(errc::ds_unknown_member, format_address(p.account) + " is not a member");
  return {};
}

status dsmeta_state::check(const public_key& sender, const ds_rate_set_tx& p, const env& e) const {
  if (p.rate == 0)
    return make_error(errc::invalid_argument, "a rate is at least 1 base unit per token");
  BFD_TRY(need_org(org()));
  BFD_TRY(authorise(address_of(sender), acl::permission::write, e));
  BFD_TRY(writable(e));
  BFD_TRY(unlocked(e, view(key_bytes(key_rate))));
  const auto t = terms();
  if (!t)
    return make_error(errc::ds_no_raise, "no fund-raise terms set the rate mode yet");
  if (t->mode != rate_mode::floating)
    return make_error(errc::ds_rate_fixed, "the fund's rate is " + std::string(to_string(t->mode))
                                             + ": only a floating rate is updated");
  if (rate() == p.rate)
    return make_error(errc::ds_no_change, fmt::format("the rate is {} already", p.rate));
  if (summary().rates >= max_history)
    return make_error(errc::ds_limit, "the rate history is full");
  return {};
}

status dsmeta_state::check(const public_key& sender, const ds_usage_record_tx& p, const env& e) const {
  if (p.request.empty() || p.request.size() > max_request)
    return make_error(errc::invalid_argument, "a request id is 1 to 32 bytes");
  BFD_TRY(need_org(org()));
  const acl::scope service{acl::scope_kind::service, p.service};
  BFD_TRY(authorise(address_of(sender), acl::permission::write, e, &service));
  BFD_TRY(writable(e));
  BFD_TRY(unlocked(e, view(key_bytes(key_usage))));
  if (records().count(request_key(p.service, p.request)))
    return make_error(errc::ds_duplicate_request, fmt::format("service {} request 0x{} is recorded already", p.service,
                                                              to_hex(view(p.request))));
  if (summary().usages >= max_history)
    return make_error(errc::ds_limit, "the usage history is full");
  return {};
}

status dsmeta_state::apply(const public_key& sender, const ds_member_add_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  put(member_record_key(p.account), enc_member(member{p.key, p.level, e.height}));
  auto s = summary();
  ++s.members;
  put_summary(s);
  return {};
}

status dsmeta_state::apply(const public_key& sender, const ds_member_update_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  auto m = *find_member(p.account);
  m.key = p.key;
  m.level = p.level;
  put(member_record_key(p.account), enc_member(m));
  return {};
}

status dsmeta_state::apply(const public_key& sender, const ds_member_remove_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  put(member_record_key(p.account), std::nullopt);
  auto s = summary();
  --s.members;
  put_summary(s);
  return {};
}

status dsmeta_state::apply(const public_key& sender, const ds_rate_set_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  auto s = summary();
  add_rate(p.rate, rate_source::update, e.height, s);
  put_summary(s);
  return {};
}

status dsmeta_state::apply(const public_key& sender, const ds_usage_record_tx& p, const env& e) {
  BFD_TRY(check(sender, p, e));
  auto s = summary();
  put(indexed(p_usage, s.usages), enc_usage(usage_entry{p.service, p.request, p.value, e.height, address_of(sender)}));
  put(request_key(p.service, p.request), enc_uints({s.usages}));
  ++s.usages;
  put_summary(s);
  return {};
}

// --- peg operations ---------------------------------------------------------------------------

status dsmeta_state::check_op(const address& sender, std::string_view operation, std::span<const bytes> keys,
                              byte_view body, const env& e) const {
  auto b = decode_op(body);
  if (!b)
    return make_error(errc::ds_bad_operation, "body: " + b.error().message());
  if (op_name(b->kind) != operation)
    return make_error(errc::ds_bad_operation, fmt::format("the body is a {}, the operation says {}",
                                                          op_name(b->kind), operation));
  const auto want = op_keys(b->kind);
  if (!std::equal(want.begin(), want.end(), keys.begin(), keys.end()))
    return make_error(errc::ds_bad_operation, fmt::format("{} locks exactly {}", op_name(b->kind), keys_text(want)));
  const auto perm = b->kind == op_kind::register_org ? acl::permission::admin
                    : b->kind == op_kind::liquidate  ? acl::permission::liquidate
                                                     : acl::permission::issue;
  BFD_TRY(authorise(sender, perm, e));
  return check_op_state(*b, e, true);
}

status dsmeta_state::check_op_state(const op_body& b, const env& e, bool at_prepare) const {
  const auto o = org();
  const auto s = summary();
  switch (b.kind) {
    case op_kind::register_org:
      if (b.name.empty())
        return make_error(errc::invalid_argument, "an organisation needs a name");
      if (o)
        BFD_TRY(writable(e));
      return {};
    case op_kind::raise: {
      BFD_TRY(need_org(o));
      BFD_TRY(writable(e));
      const auto& t = b.terms;
      if (t.min == 0 || t.min > t.target || t.target > t.max)
        return make_error(errc::ds_bad_terms, "terms need 0 < min <= target <= max");
      if (!valid_symbol(t.symbol))
        return make_error(errc::ds_bad_terms, "a token symbol is 1-16 characters of A-Z and 0-9");
      if (t.rate == 0 || (t.mode == rate_mode::bfdt && t.rate != bfdt_rate))
        return make_error(errc::ds_bad_terms, fmt::format("the rate must be positive ({} in mode bfdt)", bfdt_rate));
      if (at_prepare && t.deadline <= e.height)
        return make_error(errc::ds_bad_terms, fmt::format("the deadline {} is not after height {}", t.deadline, e.height));
      if (s.issuances > 0)
        return make_error(errc::ds_raise_closed, "the terms are fixed once something was issued");
      return {};
    }
    case op_kind::issue: {
      BFD_TRY(need_org(o));
      BFD_TRY(writable(e));
      const auto t = terms();
      if (!t)
        return make_error(errc::ds_no_raise, "no fund-raise terms to issue under");
      if (b.value == 0)
        return make_error(errc::ds_bad_terms, "an issuance of nothing");
      if (at_prepare && e.height > t->deadline)
        return make_error(errc::ds_raise_closed, fmt::format("the raise closed at height {}", t->deadline));
      if (!checked_add(s.issued, b.value) || s.issued + b.value > t->max)
        return make_error(errc::ds_over_raise, fmt::format("{} issued, {} more exceeds the maximum {}", s.issued,
                                                           b.value, t->max));
      if (s.issuances >= max_history)
        return make_error(errc::ds_limit, "the issuance history is full");
      return {};
    }
    case op_kind::liquidate: {
      BFD_TRY(need_org(o));
      const auto need = b.phase == liquidation_phase::start ? fund_status::active : fund_status::liquidating;
      if (s.status != need)
        return make_error(errc::ds_bad_transition,
                          fmt::format("liquidation {} needs a fund that is {}; it is {}",
                                      b.phase == liquidation_phase::start ? "start" : "finish", to_string(need),
                                      to_string(s.status)));
      return {};
    }
  }
  return make_error(errc::ds_bad_operation, "unknown operation");
}

status dsmeta_state::apply_op(const op_body& b, const op_ref& op, const env& e) {
  BFD_TRY(check_op_state(b, e, false));
  auto s = summary();
  switch (b.kind) {
    case op_kind::register_org:
      put(key1(p_org), enc_org(organisation{b.name, b.uri, b.owner, b.group, e.height}));
      break;
    case op_kind::raise: {
      auto t = b.terms;
      t.height = e.height;
      put(key1(p_terms), enc_terms(t));
      add_rate(t.rate, rate_source::terms, e.height, s);
      break;
    }
    case op_kind::issue:
      put(indexed(p_issue, s.issuances), enc_issuance(issuance{b.value, rate().value_or(0), e.height, op}));
      s.issued += b.value;
      ++s.issuances;
      break;
    case op_kind::liquidate:
      s.status = b.phase == liquidation_phase::start ? fund_status::liquidating : fund_status::liquidated;
      s.status_height = e.height;
      break;
  }
  put_summary(s);
  skip_op(op);
  return {};
}

void dsmeta_state::skip_op(const op_ref& op) {
  put(key1(p_adopted), enc_uints({op.source, op.sequence}));
}

void dsmeta_state::add_rate(amount r, rate_source src, std::uint64_t height, fund_summary& s) {
  put(indexed(p_rate, s.rates), enc_rate(rate_entry{r, height, src}));
  ++s.rates;
}

void dsmeta_state::put_summary(const fund_summary& s) {
  put(key1(p_summary), enc_summary(s));
}

} // namespace bfd::ds
